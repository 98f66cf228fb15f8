#if SQLite && Postgres
import Foundation
import Logging
import PostgresNIO
import SQLiteNIO
import Testing
import Waku
import WakuMessaging
import WakuPostgres
import WakuSQLite
import WakuTesting

// A durable stop is bounded even when a handler never returns, and what it interrupts goes to
// another worker without spending an attempt. Poison rows at the head of a group are
// dead-lettered at once and do not hold the group.

/// A gate a stuck handler waits on, deaf to cancellation; the test opens it at the end.
final class DeafGate: Sendable {
    /// Fired each time a handler arrives at the gate.
    let entered = Signal()
    private let gate = Signal()

    func wait() async {
        entered.fire()
        await gate.waitIgnoringCancellation()
    }

    func open() { gate.fire() }
}

struct StuckJob: IEvent, Codable, NamedMessage {
    static let messageName = "durable-tests.stuck-job"
    let id: Int
}

/// Waits on the gate when there is one (the stuck worker), else records the job.
final class HandleStuckJob: EventHandler {
    let gate: DeafGate?
    let recorder: SQLRecorder<Int>
    init(gate: DeafGate?, recorder: SQLRecorder<Int>) {
        self.gate = gate
        self.recorder = recorder
    }

    func handle(_ event: StuckJob) async throws {
        if let gate { await gate.wait() }
        recorder.append(event.id)
    }
}

struct StuckModule: Module {
    let store: any DurableStore
    let gate: DeafGate?
    let recorder: SQLRecorder<Int>

    var imports: [any Module] {
        [
            MessagingModule.register(MessagingConfig(
                endpoints: [.durable("stuck", concurrency: 1, stopTimeout: .milliseconds(200), lease: .seconds(60),
                                     pollInterval: .milliseconds(20))],
                routing: [route(StuckJob.self).to("stuck")],
                durableStore: store)),
        ]
    }

    var providers: [Provider] {
        [scoped { [gate, recorder] in HandleStuckJob(gate: gate, recorder: recorder) }]
    }

    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(StuckJob.self, [HandleStuckJob.self])] }
}

enum BoundedStop {
    /// Runs the scenario on two stores that share one database (two "processes").
    /// `row` reads (attempts, leased) of the only delivery.
    static func check(
        first: any DurableStore, second: any DurableStore, row: @escaping @Sendable () async throws -> (attempts: Int, leased: Bool)
    ) async throws {
        var logger = Logger(label: "waku.test")
        logger.logLevel = .critical
        let gate = DeafGate()
        let stuckRecorder = SQLRecorder<Int>()
        let stuck = try await WakuFactory(StuckModule(store: first, gate: gate, recorder: stuckRecorder), logger: logger).create()
        try await stuck.initialize()
        try await stuck.withContainer { try await $0.get((any IPublisher).self).publish(StuckJob(id: 1)) }
        #expect(await gate.entered.wait(timeout: .seconds(20)), "the handler started")
        #expect(gate.entered.value == 1)
        let runtime = try await stuck.container.get(MessagingRuntime.self)

        // close() must return although the handler never will (until the gate opens).
        let closed = Signal()
        let closing = Task {
            try? await stuck.close()
            closed.fire()
        }
        #expect(await closed.wait(timeout: .seconds(15)), "close() returned while the handler still ran")
        #expect(runtime.lastStopReports.first?.abandoned == 1, "\(runtime.lastStopReports)")

        let (attempts, leased) = try await row()
        #expect(attempts == 0, "the interrupted attempt was given back")
        #expect(!leased, "the row was released at stop, not left to its 60 s lease")

        // Another worker takes it at once.
        let recorder = SQLRecorder<Int>()
        let next = try await WakuFactory(StuckModule(store: second, gate: nil, recorder: recorder), logger: logger).create()
        try await next.initialize()
        #expect(await recorder.wait(timeout: .seconds(20)) { $0.count == 1 }, "the released row was handled by another worker")
        #expect(try await row().attempts == 1)

        // The stuck handler finally returns: its late finalize must change nothing.
        gate.open()
        await closing.value
        #expect(await stuckRecorder.wait(timeout: .seconds(5)) { $0.count == 1 })
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await second.handledCount(endpoint: "stuck") == 1)
        #expect(try await second.deadLetters(endpoint: "stuck").isEmpty)
        try await next.close()
    }
}

@Suite("Bounded durable stop and poison rows on SQLite")
struct SQLiteBoundedStopTests {
    @Test("close() returns within the bound while a handler ignores cancellation; the row goes to another worker, no attempt spent")
    func boundedStop() async throws {
        let path = temporarySQLitePath()
        let first = SQLiteDurableStore(path: path)
        let second = SQLiteDurableStore(path: path)
        try await BoundedStop.check(first: first, second: second) {
            let rows = try await rawSQLite(path, "SELECT attempts, lease_owner FROM waku_deliveries")
            let row = try #require(rows.first)
            return (row.column("attempts")?.integer ?? -1, !(row.column("lease_owner")?.isNull ?? true))
        }
        await first.shutdown()
        await second.shutdown()
    }

    @Test("unreadable rows and unknown types at the head of a group are dead-lettered at once; the group goes on")
    func poisonAtGroupHeads() async throws {
        let path = temporarySQLitePath()
        let store = SQLiteDurableStore(path: path)
        try await store.prepare()
        let type = MessageTypeName.of(SQLJob.self)
        func insertRaw(_ messageId: String, _ messageType: String, _ payload: String, group: String) async throws {
            _ = try await rawSQLite(path, """
                INSERT INTO waku_deliveries (message_id, handler, endpoint, message_type, correlation_id, causation_id, payload,
                    headers, timestamp, group_id, available_at, attempts, created_at)
                VALUES ('\(messageId)', 'SQLJobHandler', 'jobs', '\(messageType)', '\(UUID().uuidString)', '\(UUID().uuidString)',
                    \(payload), '{}', 0, '\(group)', 0, 0, 0)
                """)
        }
        // At the head of four groups: an id that is not a UUID, a payload that is neither text
        // nor a blob, a type nobody handles, and a payload stored as a BLOB (readable: handled).
        try await insertRaw("not-a-uuid", type, #"'{"id":100,"group":"a"}'"#, group: "a")
        try await insertRaw(UUID().uuidString, type, "42", group: "b")
        try await insertRaw(UUID().uuidString, "Gone.Renamed", #"'{"id":102,"group":"c"}'"#, group: "c")
        try await insertRaw(UUID().uuidString, type, #"CAST('{"id":103,"group":"d"}' AS BLOB)"#, group: "d")
        let good = ["a", "b", "c", "d"].flatMap { group in (0 ..< 5).map { SQLJob(id: $0, group: group) } }
        try await store.insert(good.map { job in
            StoredDelivery(
                messageId: UUID(), correlationId: UUID(), causationId: UUID(), messageType: type, handler: "SQLJobHandler",
                endpoint: "jobs", payload: (try? JSONEncoder().encode(job)) ?? Data(), headers: [:], timestamp: Date(),
                groupId: job.group, availableAt: Date())
        })

        let recorder = SQLRecorder<SQLJob>()
        let app = try await makeSQLDurableApp(store: store, recorder: recorder, concurrency: 4)
        #expect(await recorder.wait(timeout: .seconds(20)) { $0.count == good.count + 1 })
        try await app.close()

        for group in ["a", "b", "c"] {
            #expect(recorder.all.filter { $0.group == group }.map(\.id) == Array(0 ..< 5), "group \(group) went on in order")
        }
        #expect(recorder.all.filter { $0.group == "d" }.map(\.id) == [103, 0, 1, 2, 3, 4], "the BLOB payload was read")
        let dead = try await store.deadLetters(endpoint: "jobs")
        #expect(dead.count == 3, "unreadable rows are listed too: \(dead.map(\.lastError))")
        let reasons = try await rawSQLite(path, "SELECT group_id, attempts, last_error FROM waku_deliveries WHERE status = 2 ORDER BY group_id")
        let byGroup = Dictionary(uniqueKeysWithValues: reasons.compactMap { row -> (String, (Int, String))? in
            guard let group = row.column("group_id")?.string else { return nil }
            return (group, (row.column("attempts")?.integer ?? -1, row.column("last_error")?.string ?? ""))
        })
        #expect(byGroup["a"]?.1.contains("not a UUID") == true, "\(byGroup)")
        #expect(byGroup["b"]?.1.contains("payload") == true, "\(byGroup)")
        #expect(byGroup["c"]?.1.contains("unknown message type") == true, "\(byGroup)")
        #expect(byGroup.values.allSatisfy { $0.0 == 1 }, "dead-lettered at their first claim: \(byGroup)")
        #expect(try await store.pendingCount(endpoint: "jobs") == 0)
        await store.shutdown()
    }
}

extension PostgresDurableTests {
    @Test("PostgreSQL: close() returns within the bound while a handler ignores cancellation; the row goes to another worker")
    func boundedStop() async throws {
        let schema = TestDatabase.uniqueSchema("s")
        let first = try TestDatabase.makeStore(schema: schema)
        let second = try TestDatabase.makeStore(schema: schema)
        let table = first.qualified("waku_deliveries")
        try await BoundedStop.check(first: first, second: second) {
            let attempts = try await second.scalar("SELECT attempts::int8 FROM \(table)")
            let leased = try await second.scalar("SELECT count(*)::int8 FROM \(table) WHERE lease_owner IS NOT NULL")
            return (attempts, leased > 0)
        }
        await first.shutdown()
        await second.dropSchemaAndShutdown()
    }

    @Test("PostgreSQL: poison rows at the head of a group are dead-lettered at once; the group goes on in order")
    func poisonAtGroupHeads() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        let recorder = PingRecorder()
        let endpoint = EndpointConfig.durable("heads", concurrency: 4, pollInterval: .milliseconds(20))
        try await withApp(DurableTestModule(store: store, endpoint: endpoint, recorder: recorder)) { app in
            // Learn the stored handler name from a first delivery.
            _ = try await trackMessages(app) { try await publish(app, DurablePing(n: 0)) }
            #expect(try await store.handledCount(endpoint: "heads") == 1)
            let table = store.qualified("waku_deliveries")
            let handler = try #require(try await store.query(PostgresQuery(unsafeSQL: "SELECT handler FROM \(table)"))
                .first?.decode(String.self))
            try await store.execute("DELETE FROM \(table)")
            func insert(_ type: String, _ payload: String, group: String) async throws {
                var binds = PostgresBindings()
                binds.append(type)
                binds.append(handler)
                try binds.append(Data(payload.utf8))
                binds.append(group)
                try await store.execute("""
                    INSERT INTO \(table) (message_id, handler, endpoint, message_type, correlation_id, causation_id, payload,
                        "timestamp", group_id)
                    VALUES (gen_random_uuid(), $2, 'heads', $1, gen_random_uuid(), gen_random_uuid(), $3, now(), $4)
                    """, binds)
            }
            try await insert("durable-tests.gone", #"{"n":100}"#, group: "a")
            try await insert(DurablePing.messageName, "not json", group: "b")
            for n in 1 ... 5 {
                try await insert(DurablePing.messageName, #"{"n":\#(n)}"#, group: "a")
                try await insert(DurablePing.messageName, #"{"n":\#(10 + n)}"#, group: "b")
            }
            // The first ping (0) and the five good rows of each group.
            #expect(await recorder.wait { $0.handled.count == 11 })
            let handled = recorder.handled
            #expect(handled.filter { $0 < 10 && $0 > 0 } == [1, 2, 3, 4, 5])
            #expect(handled.filter { $0 > 10 } == [11, 12, 13, 14, 15])
            // Poison rows have no delivery to report, and their finalize may follow the handlers:
            // only the store knows when they are dead.
            #expect(try await eventually { try await store.deadLetters(endpoint: "heads").count == 2 })
            let dead = try await store.deadLetters(endpoint: "heads")
            #expect(dead.count == 2)
            #expect(dead.allSatisfy { $0.attempts == 1 }, "dead-lettered at the first claim")
            #expect(dead.map { $0.lastError ?? "" }.contains { $0.contains("unknown message type") })
            #expect(dead.map { $0.lastError ?? "" }.contains { $0.contains("no longer decodes") })
        }
        await store.dropSchemaAndShutdown()
    }
}
#endif
