#if Postgres
import Foundation
import PostgresNIO
import Testing
@testable import WakuPostgres

// The store keeps connections leased between operations (IdleConnections): these tests check
// that it reuses them, never one inside a transaction or one that closed, and returns them at
// shutdown.
extension PostgresDurableTests {
    @Test("operations reuse a kept connection; a unit of work holds it until it ends")
    func connectionsAreReused() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        try await store.prepare()
        let first = try await store.scalar("SELECT pg_backend_pid()::int8")
        #expect(store.idle.count == 1)
        #expect(try await store.scalar("SELECT pg_backend_pid()::int8") == first)

        let unitOfWork = store.unitOfWork()
        let inTransaction = try await unitOfWork.query("SELECT pg_backend_pid()::int8").first?.decode(Int.self)
        #expect(inTransaction == first, "the unit of work takes the kept connection")
        #expect(store.idle.count == 0, "and holds it while its transaction is open")
        try await unitOfWork.commit()
        #expect(store.idle.count == 1)

        await store.dropSchemaAndShutdown()
        #expect(store.idle.count == 0, "shutdown returns kept connections to the pool")
    }

    @Test("a connection kept after a unit of work is outside any transaction")
    func keptConnectionIsNotInATransaction() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        try await store.prepare()
        let table = store.qualified("reuse_probe")
        try await store.execute("CREATE TABLE \(table) (n int)")
        let unitOfWork = store.unitOfWork()
        let pid = try await unitOfWork.query("SELECT pg_backend_pid()::int8").first?.decode(Int.self)
        try await unitOfWork.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (1)"))
        try await unitOfWork.commit()

        // Runs on the same connection, and commits on its own: another connection sees it.
        let rows = try await store.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES (2) RETURNING pg_backend_pid()::int8"))
        #expect(try rows.first?.decode(Int.self) == pid)
        #expect(try await store.countOnAnotherConnection(table) == 2)

        // After a failed statement and its ROLLBACK the kept connection is outside a
        // transaction again: the next statement commits on its own.
        let failing = store.unitOfWork()
        await #expect(throws: (any Error).self) { try await failing.query("SELECT 1/0") }
        try await failing.rollback()
        try await store.execute("INSERT INTO \(table) VALUES (3)")
        #expect(try await store.countOnAnotherConnection(table) == 3)
        await store.dropSchemaAndShutdown()
    }

    @Test("a kept connection the server closed is dropped, and the store carries on")
    func closedKeptConnectionIsDropped() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        try await store.prepare()
        let pid = try await store.scalar("SELECT pg_backend_pid()::int8")
        #expect(store.idle.count == 1)
        var binds = PostgresBindings()
        binds.append(pid)
        _ = try await store.client.withConnection { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "SELECT pg_terminate_backend($1::int4)", binds: binds), logger: store.logger)
                .collect()
        }
        // At most the statements racing the close fail; then a new connection serves.
        let recovered = try await eventually {
            guard let now = try? await store.scalar("SELECT pg_backend_pid()::int8") else { return false }
            return now != pid
        }
        #expect(recovered)
        await store.dropSchemaAndShutdown()
    }
}

extension PostgresDurableStore {
    /// Rows of `table` as a connection straight from the pool (never a kept one) sees them:
    /// only what was committed.
    fileprivate func countOnAnotherConnection(_ table: String) async throws -> Int? {
        try await client.withConnection { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int8 FROM \(table)"), logger: logger)
                .collect().first?.decode(Int.self)
        }
    }
}
#endif
