import Testing
import Waku

@Suite("Scopes and finalizers")
struct ScopeTests {
    struct Connection: Sendable { let id: String }
    struct Transaction: Sendable { let connection: Connection }
    struct Repository: Sendable { let transaction: Transaction }
    struct Pool: Sendable {}

    /// Three scoped values that depend on each other, and an app singleton, all with cleanups.
    struct DatabaseModule: Module {
        let log: EventLog
        var providers: [Provider] {
            let log = log
            return [
                singleton { () -> Finalized<Pool> in
                    log.record("create Pool")
                    return Finalized(Pool()) { log.record("cleanup Pool") }
                },
                scoped { (_: Pool) -> Finalized<Connection> in
                    log.record("create Connection")
                    return Finalized(Connection(id: "c1")) { log.record("cleanup Connection") }
                },
                scoped { (connection: Connection) -> Finalized<Transaction> in
                    log.record("create Transaction")
                    return Finalized(Transaction(connection: connection)) { log.record("cleanup Transaction") }
                },
                transient { (transaction: Transaction) -> Finalized<Repository> in
                    log.record("create Repository")
                    return Finalized(Repository(transaction: transaction)) { log.record("cleanup Repository") }
                },
            ]
        }
    }

    @Test func cleanupsRunAtScopeCloseInReverseCreationOrder() async throws {
        let log = EventLog()
        let app = try await WakuFactory(DatabaseModule(log: log)).create()
        let id = try await app.withContainer { container in
            let repository = try await container.get(Repository.self)
            log.record("body")
            return repository.transaction.connection.id
        }
        #expect(id == "c1")
        #expect(log.events == [
            "create Pool", "create Connection", "create Transaction", "create Repository", "body",
            "cleanup Repository", "cleanup Transaction", "cleanup Connection",
        ])
    }

    @Test func cleanupsRunWhenTheBodyThrowsAndTheBodysErrorPropagates() async throws {
        let log = EventLog()
        let app = try await WakuFactory(DatabaseModule(log: log)).create()
        await #expect(throws: TestFailure(tag: "body failed")) {
            try await app.withContainer { container in
                _ = try await container.get(Transaction.self)
                throw TestFailure(tag: "body failed")
            }
        }
        #expect(log.events == [
            "create Pool", "create Connection", "create Transaction",
            "cleanup Transaction", "cleanup Connection",
        ])
    }

    @Test func appScopedCleanupsRunAtAppCloseNotAtScopeClose() async throws {
        let log = EventLog()
        let app = try await WakuFactory(DatabaseModule(log: log)).create()
        try await app.run { app in
            _ = try await app.withContainer { try await $0.get(Connection.self) }
            #expect(log.count(of: "cleanup Connection") == 1)
            _ = try await app.withContainer { try await $0.get(Connection.self) }
            #expect(log.count(of: "cleanup Connection") == 2)
            #expect(log.count(of: "create Pool") == 1)
            #expect(log.count(of: "cleanup Pool") == 0)
        }
        #expect(log.events.last == "cleanup Pool")
        #expect(log.count(of: "cleanup Pool") == 1)
    }

    @Test func eachScopeCleansUpOnlyWhatItCreated() async throws {
        let log = EventLog()
        let app = try await WakuFactory(DatabaseModule(log: log)).create()
        _ = try await app.container.get(Pool.self)
        try await app.withContainer { _ in }
        #expect(log.events == ["create Pool"])
        try await app.close()
        #expect(log.events == ["create Pool", "cleanup Pool"])
    }
}
