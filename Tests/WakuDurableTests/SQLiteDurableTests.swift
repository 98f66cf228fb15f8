#if SQLite
import Foundation
import Testing
import Waku
import WakuMessaging
import WakuSQLite
import WakuTesting
import SQLiteNIO

@Suite("Durable delivery on SQLite", .timeLimit(.minutes(2)))
struct SQLiteDurableTests {
    @Test("persist, claim, handle, finalize: a published event is handled once and the row is kept as handled")
    func happyPath() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        let recorder = SQLRecorder<SQLJob>()
        let app = try await makeSQLDurableApp(store: store, recorder: recorder)
        let (_, session) = try await trackMessages(app) {
            for id in 1 ... 20 { try await sqlPublish(app, SQLJob(id: id, group: nil)) }
        }
        try await app.close()
        #expect(Set(recorder.all.map(\.id)) == Set(1 ... 20))
        #expect(recorder.count == 20)
        #expect(session.handled.filter { $0.endpoint == "jobs" }.count == 20)
        #expect(try await store.handledCount(endpoint: "jobs") == 20)
        #expect(try await store.pendingCount(endpoint: "jobs") == 0)
        await store.shutdown()
    }

    @Test("the schema is created with a recorded version, and preparing again is a no-op")
    func schemaVersion() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        try await store.prepare()
        try await store.prepare()
        #expect(try await store.schemaVersion() == 2)
        await store.shutdown()
    }

    @Test("redelivery of the same (message id, handler) is deduplicated")
    func deduplication() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        try await store.prepare()
        let row = StoredDelivery(
            messageId: UUID(), correlationId: UUID(), causationId: UUID(), messageType: "t", handler: "h", endpoint: "e",
            payload: Data("{}".utf8), headers: [:], timestamp: Date(), groupId: nil, availableAt: Date())
        try await store.insert([row])
        try await store.insert([row])
        #expect(try await store.pendingCount(endpoint: "e") == 1)
        // Once handled, the kept row still deduplicates a late redelivery.
        let claimed = try await store.claim(endpoint: "e", owner: "me", token: testToken, limit: 10, lease: .seconds(30))
        #expect(claimed.count == 1)
        try await store.complete(claimed.map(\.id), token: testToken)
        try await store.insert([row])
        #expect(try await store.pendingCount(endpoint: "e") == 0)
        #expect(try await store.handledCount(endpoint: "e") == 1)
        await store.shutdown()
    }

    @Test("failures are retried as persisted rows, then dead-lettered; replay delivers them")
    func retriesThenDeadLetterThenReplay() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        let recorder = SQLRecorder<SQLJob>()
        let failing = SQLSwitch(true)
        let app = try await makeSQLDurableApp(
            store: store, recorder: recorder, failing: failing, policy: .retry(2, backoff: .milliseconds(1)))
        let (_, session) = try await trackMessages(app) { try await sqlPublish(app, SQLJob(id: 7, group: nil)) }
        #expect(session.deadLettered.count == 1)
        #expect(session.failed.count == 3)
        #expect(session.failed.map(\.willRetry) == [true, true, false])
        let dead = try await store.deadLetters(endpoint: "jobs")
        #expect(dead.count == 1)
        #expect(dead.first?.attempts == 3)
        #expect(dead.first?.lastError?.contains("job 7 failed on purpose") == true)
        #expect(recorder.count == 0)

        failing.set(false)
        let replayed = try await store.replayDeadLetters(dead.map(\.id))
        #expect(replayed == 1)
        // Replayed by the store, not dispatched: wait for the handler itself.
        #expect(await recorder.wait { $0.count == 1 })
        #expect(try await store.deadLetters(endpoint: "jobs").isEmpty)
        try await app.close()
        await store.shutdown()
    }

    @Test("unobserved: a durable row keeps the dispatch's ids, type, headers and time")
    func unobservedRowKeepsEnvelope() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        let app = try await makeSQLDurableApp(
            store: store, recorder: SQLRecorder<SQLJob>(), failing: SQLSwitch(true), policy: .deadLetter)
        // Nothing observes this app: the delivery reaches the endpoint as fields, and the endpoint
        // builds the envelope it stores. Polled, since tracking would observe.
        #expect(try await app.container.get(MessagingRuntime.self).defersEnvelopes)
        let before = Date()
        try await sqlPublish(app, SQLJob(id: 11, group: nil), options: DeliveryOptions(headers: ["tenant": "acme"]))
        let after = Date()
        #expect(try await eventually(timeout: .seconds(20), every: .milliseconds(10)) {
            try await store.deadLetters(endpoint: "jobs").count == 1
        })
        let row = try #require(try await store.deadLetters(endpoint: "jobs").first)
        #expect(row.correlationId == row.messageId)
        #expect(row.causationId == row.messageId)
        #expect(row.messageType == MessageTypeName.of(SQLJob.self))
        #expect(row.handler == "SQLJobHandler")
        #expect(row.headers == ["tenant": "acme"])
        #expect(row.timestamp >= before.addingTimeInterval(-0.001) && row.timestamp <= after.addingTimeInterval(0.001))
        #expect(String(decoding: row.payload, as: UTF8.self).contains("11"))
        try await app.close()
        await store.shutdown()
    }

    @Test("a row naming an unknown type, or whose payload no longer decodes, is dead-lettered with the reason")
    func poisonRows() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        let recorder = SQLRecorder<SQLJob>()
        let app = try await makeSQLDurableApp(store: store, recorder: recorder)
        let handlerName = "SQLJobHandler"
        let jobType = MessageTypeName.of(SQLJob.self)
        try await store.insert([
            StoredDelivery(
                messageId: UUID(), correlationId: UUID(), causationId: UUID(), messageType: "Gone.RenamedEvent",
                handler: handlerName, endpoint: "jobs", payload: Data("{}".utf8), headers: [:], timestamp: Date(),
                groupId: nil, availableAt: Date()),
            StoredDelivery(
                messageId: UUID(), correlationId: UUID(), causationId: UUID(), messageType: jobType,
                handler: handlerName, endpoint: "jobs", payload: Data(#"{"identifier":"x"}"#.utf8), headers: [:],
                timestamp: Date(), groupId: nil, availableAt: Date()),
        ])
        // Rows nobody dispatched, dead-lettered without a delivery to report: only the store knows.
        let bothDead = try await eventually(timeout: .seconds(20), every: .milliseconds(10)) {
            try await store.deadLetters(endpoint: "jobs").count == 2
        }
        #expect(bothDead)
        let reasons = try await store.deadLetters(endpoint: "jobs").compactMap(\.lastError)
        #expect(reasons.contains { $0.contains("unknown message type") && $0.contains("Gone.RenamedEvent") })
        #expect(reasons.contains { $0.contains("no longer decodes") })
        #expect(recorder.count == 0)
        try await app.close()
        await store.shutdown()
    }

    @Test("a delayed delivery stays pending until it is due")
    func delayedDelivery() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        let recorder = SQLRecorder<SQLJob>()
        let app = try await makeSQLDurableApp(store: store, recorder: recorder)
        let (_, _) = try await trackMessages(app) {
            try await sqlPublish(app, SQLJob(id: 1, group: nil), options: DeliveryOptions(delay: .milliseconds(400)))
            // Still pending right after publishing: it is not due yet.
            #expect(try await store.pendingCount(endpoint: "jobs") == 1)
            #expect(recorder.count == 0)
        }
        #expect(recorder.all.map(\.id) == [1])
        try await app.close()
        await store.shutdown()
    }

    @Test("deliveries with the same group key are processed strictly in order; other groups run in parallel")
    func perGroupFIFO() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        let recorder = SQLRecorder<SQLJob>()
        let app = try await makeSQLDurableApp(
            store: store, recorder: recorder, concurrency: 4,
            partitionBy: { ($0 as? SQLJob)?.group })
        _ = try await trackMessages(app) {
            for id in 0 ..< 90 { try await sqlPublish(app, SQLJob(id: id, group: "g\(id % 3)")) }
        }
        try await app.close()
        #expect(recorder.count == 90)
        for group in ["g0", "g1", "g2"] {
            let order = recorder.all.filter { $0.group == group }.map(\.id)
            #expect(order == order.sorted(), "group \(group) out of order: \(order)")
            #expect(order.count == 30)
        }
        await store.shutdown()
    }

    @Test("an explicit DeliveryOptions(groupId:) orders deliveries without a partitionBy")
    func explicitGroupId() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        let recorder = SQLRecorder<SQLJob>()
        let app = try await makeSQLDurableApp(store: store, recorder: recorder, concurrency: 4)
        _ = try await trackMessages(app) {
            for id in 0 ..< 40 { try await sqlPublish(app, SQLJob(id: id, group: nil), options: DeliveryOptions(groupId: "one")) }
        }
        try await app.close()
        #expect(recorder.all.map(\.id) == Array(0 ..< 40))
        await store.shutdown()
    }

    @Test("outbox: a rollback discards the business row and the messages; a commit releases both")
    func outbox() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        let recorder = SQLRecorder<SQLJob>()
        let app = try await makeSQLDurableApp(store: store, recorder: recorder, extraProviders: store.unitOfWorkProviders())

        await #expect(throws: SQLJobFailed.self) {
            try await app.withContainer { container in
                let unitOfWork = try await container.get(SQLiteUnitOfWork.self)
                try await withUnitOfWork(unitOfWork) {
                    try await unitOfWork.query("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY)")
                    try await unitOfWork.query("INSERT INTO orders (id) VALUES (1)")
                    try await container.get((any IPublisher).self).publish(SQLJob(id: 1, group: nil))
                    throw SQLJobFailed(id: 1)
                }
            }
        }
        #expect(try await store.pendingCount(endpoint: nil) == 0)

        _ = try await trackMessages(app) {
            try await app.withContainer { container in
                let unitOfWork = try await container.get(SQLiteUnitOfWork.self)
                try await withUnitOfWork(unitOfWork) {
                    try await unitOfWork.query("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY)")
                    try await unitOfWork.query("INSERT INTO orders (id) VALUES (2)")
                    try await container.get((any IPublisher).self).publish(SQLJob(id: 2, group: nil))
                    // Not visible to workers before the commit.
                    #expect(try await store.pendingCount(endpoint: nil) == 0)
                }
            }
        }
        #expect(recorder.all.map(\.id) == [2])
        let check = SQLiteDurableStore(path: store.path)
        let orders = try await check.beginTransaction()
        let rows = try await (orders as? SQLiteUnitOfWork)?.query("SELECT id FROM orders ORDER BY id") ?? []
        try await orders.rollback()
        #expect(rows.compactMap { $0.column("id")?.integer } == [2])
        await check.shutdown()
        try await app.close()
        await store.shutdown()
    }

    @Test("a graceful stop releases leases, so another worker takes the work at once")
    func shutdownReleasesLeases() async throws {
        let path = temporarySQLitePath()
        let firstStore = SQLiteDurableStore(path: path)
        try await firstStore.prepare()
        // Claim as a worker that then stops gracefully without finishing.
        let row = StoredDelivery(
            messageId: UUID(), correlationId: UUID(), causationId: UUID(), messageType: MessageTypeName.of(SQLJob.self),
            handler: "SQLJobHandler", endpoint: "jobs", payload: try JSONEncoder().encode(SQLJob(id: 5, group: nil)),
            headers: [:], timestamp: Date(), groupId: nil, availableAt: Date())
        try await firstStore.insert([row])
        let claimed = try await firstStore.claim(endpoint: "jobs", owner: "stopping-worker", token: testToken, limit: 10, lease: .seconds(600))
        #expect(claimed.count == 1)
        try await firstStore.release(owner: "stopping-worker")
        await firstStore.shutdown()

        let secondStore = SQLiteDurableStore(path: path)
        let recorder = SQLRecorder<SQLJob>()
        let app = try await makeSQLDurableApp(store: secondStore, recorder: recorder, lease: .seconds(600))
        // The lease was 10 minutes: only the release lets the second worker take it now.
        #expect(await recorder.wait(timeout: .seconds(10)) { $0.count == 1 })
        try await app.close()
        await secondStore.shutdown()
    }

    @Test("a message routed to a durable endpoint must be Codable: a start-up error says so")
    func notCodableIsAStartupError() async throws {
        struct Handler: EventHandler {
            func handle(_ event: SQLNotCodableEvent) async throws {}
        }
        struct Root: Module {
            let store: SQLiteDurableStore
            var imports: [any Module] {
                [MessagingModule.register(MessagingConfig(
                    endpoints: [.durable("jobs")], routing: [route(SQLNotCodableEvent.self).to("jobs")], durableStore: store))]
            }
            var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(SQLNotCodableEvent.self, Handler.init)] }
        }
        let error = await #expect(throws: StartupError.self) {
            _ = try await WakuFactory(Root(store: SQLiteDurableStore(path: temporarySQLitePath()))).create()
        }
        #expect(error?.issues.contains { $0.kind == .routing && $0.message.contains("not Codable") } == true)
    }

    @Test("a durable endpoint without a store is a start-up error")
    func durableWithoutStore() async throws {
        struct Root: Module {
            var imports: [any Module] {
                [MessagingModule.register(MessagingConfig(endpoints: [.durable("jobs")], routing: [route(SQLJob.self).to("jobs")]))]
            }
            var providers: [Provider] { [object(SQLRecorder<SQLJob>()), object(SQLSwitch(false))] }
            var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(SQLJob.self, SQLJobHandler.init)] }
        }
        let error = await #expect(throws: StartupError.self) { _ = try await WakuFactory(Root()).create() }
        #expect(error?.issues.contains { $0.message.contains("without a durable store") } == true)
    }

    @Test("an unusable database file is a clear start-up error")
    func badStartup() async throws {
        let store = SQLiteDurableStore(path: "/nonexistent-folder-\(UUID().uuidString)/x.sqlite")
        let recorder = SQLRecorder<SQLJob>()
        let error = await #expect(throws: DurableStoreUnavailable.self) {
            _ = try await makeSQLDurableApp(store: store, recorder: recorder)
        }
        #expect(error?.description.contains("nonexistent-folder") == true)
    }

    @Test("the claim stays on indexes: group heads by skipping from group to group, ungrouped rows on their own")
    func claimUsesIndex() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        try await store.prepare()
        let rows = (0 ..< 2_000).map { index in
            StoredDelivery(
                messageId: UUID(), correlationId: UUID(), causationId: UUID(), messageType: "t", handler: "h", endpoint: "e",
                payload: Data("{}".utf8), headers: [:], timestamp: Date(), groupId: index % 2 == 0 ? "g\(index % 7)" : nil,
                availableAt: Date())
        }
        try await store.insert(rows)
        let plan = try await store.explainClaim(endpoint: "e")
        // Group heads by a loose index scan, ungrouped rows from their own index: no step scans
        // the table or walks every pending row.
        #expect(plan.contains("waku_deliveries_groups (endpoint=? AND group_id>?)"), "plan: \(plan)")
        #expect(plan.contains("waku_deliveries_ungrouped"), "plan: \(plan)")
        #expect(!plan.contains("SCAN waku_deliveries") && !plan.contains("SCAN d"), "plan: \(plan)")
        let claimed = try await store.claim(endpoint: "e", owner: "o", token: testToken, limit: 64, lease: .seconds(30))
        // Only the head of each of the 7 groups is eligible, plus ungrouped rows.
        #expect(claimed.filter { $0.groupId != nil }.count == 7)
        #expect(claimed.count == 64)
        await store.shutdown()
    }
}
#endif
