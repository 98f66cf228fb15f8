#if Postgres
import Foundation
import PostgresNIO
import Testing
@testable import WakuPostgres
@testable import WakuSQLite
import WakuMessaging

// A database written by schema version 1 (before claim tokens and the group-head claim) migrates
// to the current version and keeps its rows, which are then claimed and finished as usual.

@Suite("Schema migration on SQLite")
struct SQLiteSchemaMigrationTests {
    @Test("a version 1 file migrates to version 2 and keeps its rows, leases included")
    func fromVersion1() async throws {
        let path = temporarySQLitePath()
        _ = try await rawSQLite(path, "CREATE TABLE waku_schema_version (version INTEGER NOT NULL)")
        for statement in SQLiteSchema.migrations[0] { _ = try await rawSQLite(path, statement) }
        _ = try await rawSQLite(path, "INSERT INTO waku_schema_version (version) VALUES (1)")
        for (index, group) in ["g", "g", nil, "h"].enumerated() {
            _ = try await rawSQLite(path, """
                INSERT INTO waku_deliveries (message_id, handler, endpoint, message_type, correlation_id, causation_id, payload,
                    headers, timestamp, group_id, available_at, attempts, created_at)
                VALUES ('\(UUID().uuidString)', 'h', 'old', 't', '\(UUID().uuidString)', '\(UUID().uuidString)', '{"n":\(index)}',
                    '{}', 0, \(group.map { "'\($0)'" } ?? "NULL"), 0, 0, 0)
                """)
        }
        // One row leased by a worker of the old version, for a long time.
        _ = try await rawSQLite(path, "UPDATE waku_deliveries SET lease_owner = 'old-worker', lease_until = 9e12, attempts = 1 WHERE id = 4")

        let store = SQLiteDurableStore(path: path)
        try await store.prepare()
        #expect(try await store.schemaVersion() == SQLiteSchema.version)
        #expect(try await store.pendingCount(endpoint: "old") == 4)
        let token = ClaimToken()
        let claimed = try await store.claim(endpoint: "old", owner: "new", token: token, limit: 10, lease: .seconds(30))
        #expect(claimed.map(\.id) == [1, 2, 3], "g's run and the ungrouped row; h's head is still leased by the old worker")
        #expect(try await store.complete(claimed.map(\.id), token: token) == 3)
        #expect(try await store.claim(endpoint: "old", owner: "new", token: ClaimToken(), limit: 10, lease: .seconds(30)).isEmpty)
        await store.shutdown()
    }
}

extension PostgresDurableTests {
    @Test("PostgreSQL: a version 1 schema migrates to version 2 and keeps its rows")
    func migrationFromVersion1() async throws {
        let schemaName = TestDatabase.uniqueSchema("m")
        let store = try TestDatabase.makeStore(schema: schemaName)
        let schema = PostgresSchema(name: schemaName)
        for statement in schema.bootstrap { try await store.execute(statement) }
        for statement in PostgresSchema.migrations[0](schema) { try await store.execute(statement) }
        try await store.execute("INSERT INTO \(schema.versions) (version) VALUES (1)")
        try await store.execute("""
            INSERT INTO \(schema.deliveries) (message_id, handler, endpoint, message_type, correlation_id, causation_id, payload,
                "timestamp", group_id)
            SELECT gen_random_uuid(), 'h', 'old', 't', gen_random_uuid(), gen_random_uuid(), '\\x7b7d'::bytea, now(),
                CASE WHEN i < 3 THEN 'g' END
            FROM generate_series(1, 4) AS i ORDER BY i
            """)

        try await store.prepare()
        #expect(try await store.schemaVersion() == PostgresSchema.version)
        #expect(try await store.pendingCount(endpoint: "old") == 4)
        let token = ClaimToken()
        let claimed = try await store.claim(endpoint: "old", owner: "new", token: token, limit: 10, lease: .seconds(30))
        #expect(claimed.count == 4, "g's run and the two ungrouped rows: \(claimed.map(\.id))")
        #expect(try await store.complete(claimed.map(\.id), token: token) == 4)
        #expect(try await store.pendingCount(endpoint: "old") == 0)
        await store.dropSchemaAndShutdown()
    }
}
#endif
