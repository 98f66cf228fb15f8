#if SQLite && Postgres
import Foundation
import Logging
import PostgresNIO
import Testing
import Waku
import WakuMessaging
@testable import WakuPostgres
@testable import WakuSQLite
import SQLiteNIO

// Pickup across processes: an idle worker starts a delivery another process committed within
// milliseconds, not at its next poll. The workers here poll every 30 s, so only a wake-up
// (LISTEN/NOTIFY on PostgreSQL, the change watcher on SQLite) explains a delivery handled within
// the window. These are behavioural checks; the latencies are printed, not asserted.

/// How the pickup tests publish and wait.
enum Pickup {
    /// Deliveries published one at a time, each while the worker is idle.
    static let jobs = 20
    /// Between two publishes: the worker has finished the previous one and is idle again.
    static let spacing: Duration = .milliseconds(30)
    /// Every delivery must be handled within this, far below the workers' poll interval.
    static let window: Duration = .seconds(10)
    /// The workers' poll interval: long enough that polling cannot explain a pickup.
    static let pollMilliseconds = 30_000

    /// A row for `waku-worker`'s "jobs" endpoint, as its producer stores it.
    static func workerJob(_ id: Int) -> StoredDelivery {
        let messageId = UUID()
        return StoredDelivery(
            messageId: messageId, correlationId: messageId, causationId: messageId, messageType: "waku-worker.job.v1",
            handler: "HandleJob", endpoint: "jobs", payload: Data(#"{"id":\#(id),"seq":\#(id)}"#.utf8), headers: [:],
            timestamp: Date(), groupId: nil, availableAt: Date())
    }

    /// A row for `RecordPing` on `endpoint`, as a publishing app stores it.
    static func ping(_ n: Int, endpoint: String) -> StoredDelivery {
        let messageId = UUID()
        return StoredDelivery(
            messageId: messageId, correlationId: messageId, causationId: messageId, messageType: DurablePing.messageName,
            handler: "RecordPing", endpoint: endpoint, payload: Data(#"{"n":\#(n)}"#.utf8), headers: [:], timestamp: Date(),
            groupId: nil, availableAt: Date())
    }

    /// "p50 X ms, max Y ms" of latencies in seconds.
    static func summary(_ seconds: [Double]) -> String {
        guard !seconds.isEmpty else { return "no samples" }
        let sorted = seconds.sorted()
        func ms(_ value: Double) -> String { String(format: "%.1f ms", value * 1000) }
        return "p50 \(ms(sorted[sorted.count / 2])), max \(ms(sorted[sorted.count - 1])) over \(sorted.count) deliveries"
    }

    /// The worker process's arguments.
    static func consumer(_ store: String, handled: Int) -> [String] {
        ["--store", store, "--consume", "--no-job-log", "--poll-ms", "\(pollMilliseconds)", "--until-handled", "\(handled)"]
    }
}

/// An app with one durable endpoint on any store; `DurablePing` is routed to it.
struct PickupModule: Module {
    let store: any DurableStore
    let endpoint: EndpointConfig
    let recorder: PingRecorder

    var imports: [any Module] {
        [
            MessagingModule.register(MessagingConfig(
                endpoints: [endpoint], routing: [route(DurablePing.self).to(endpoint.name)], durableStore: store)),
        ]
    }

    var providers: [Provider] { [object(recorder)] }
    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(DurablePing.self, RecordPing.init)] }
}

/// Records what a gated send was given, and holds the first send until released.
final class GatedSends: Sendable {
    private struct State {
        var batches: [[String]] = []
        var gate: CheckedContinuation<Void, Never>?
        var open = false
    }

    private let state = Locked(State())

    var batches: [[String]] { state.withLock { $0.batches } }

    func send(_ batch: [String]) async -> Bool {
        let first = state.withLock { state -> Bool in
            state.batches.append(batch.sorted())
            return state.batches.count == 1
        }
        if first {
            await withCheckedContinuation { continuation in
                let openNow = state.withLock { state -> Bool in
                    if state.open { return true }
                    state.gate = continuation
                    return false
                }
                if openNow { continuation.resume() }
            }
        }
        return true
    }

    func open() {
        let gate = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.open = true
            defer { state.gate = nil }
            return state.gate
        }
        gate?.resume()
    }
}

@Suite("Pickup across processes", .timeLimit(.minutes(5)))
struct PickupTests {
    @Test("SQLite: a worker process polling every 30 s picks up rows another process commits within the window")
    func sqlitePickupAcrossProcesses() async throws {
        let path = temporarySQLitePath()
        let store = SQLiteDurableStore(path: path)
        try await store.prepare()
        let worker = try WorkerProcess("pickup-sqlite", Pickup.consumer("sqlite:\(path)", handled: Pickup.jobs + 1))
        defer { if worker.isRunning { worker.crash() } }
        #expect(await worker.waitForOutput("consuming", timeout: .seconds(60)), "\(worker.output)")

        // The first row may be found by the worker's first claim; the others arrive while it idles.
        try await store.insert([Pickup.workerJob(0)])
        #expect(try await eventually(timeout: Pickup.window, every: .milliseconds(5)) {
            try await store.handledCount(endpoint: "jobs") == 1
        }, "\(worker.output)")
        for id in 1...Pickup.jobs {
            try await store.insert([Pickup.workerJob(id)])
            try await Task.sleep(for: Pickup.spacing)
        }
        let handled = try await eventually(timeout: Pickup.window, every: .milliseconds(5)) {
            try await store.handledCount(endpoint: "jobs") == Pickup.jobs + 1
        }
        let count = try await store.handledCount(endpoint: "jobs")
        #expect(handled, "only \(count) of \(Pickup.jobs + 1) handled: \(worker.output)")
        let latencies = try await store.withConnection { connection in
            try await connection.query(
                "SELECT first_claimed_at - created_at AS d FROM waku_deliveries WHERE endpoint = 'jobs' ORDER BY id LIMIT -1 OFFSET 1")
                .compactMap { $0.column("d")?.double }
        }
        print("SQLite pickup across processes (worker polls every \(Pickup.pollMilliseconds / 1000) s): \(Pickup.summary(latencies))")
        #expect(latencies.count == Pickup.jobs)
        #expect(latencies.allSatisfy { $0 < 10 }, "\(latencies)")
        #expect(await worker.waitForExit(timeout: .seconds(60)) == 0, "\(worker.output)")
        await store.shutdown()
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    @Test("SQLite: rows another connection commits wake an idle worker; the watcher stops with the workers and at shutdown")
    func sqliteWatcherPickup() async throws {
        let path = temporarySQLitePath()
        let consuming = SQLiteDurableStore(path: path)
        let producing = SQLiteDurableStore(path: path)
        try await consuming.prepare()
        let recorder = PingRecorder()
        let module = PickupModule(store: consuming, endpoint: .durable("pings", pollInterval: .seconds(30)), recorder: recorder)
        try await withApp(module) { _ in
            #expect(try await eventually(timeout: .seconds(5), every: .milliseconds(5)) { consuming.changes.isWatching })
            for n in 1...Pickup.jobs {
                try await producing.insert([Pickup.ping(n, endpoint: "pings")])
                try await Task.sleep(for: Pickup.spacing)
            }
            // Rows another store inserted: nothing dispatched them here, so wait for the handler.
            let handled = await recorder.wait(timeout: Pickup.window) { $0.handled.count == Pickup.jobs }
            let (seen, dead) = (recorder.handled, try await consuming.deadLetters(endpoint: nil).map(\.lastError))
            #expect(handled, "handled \(seen), dead: \(dead)")
            #expect(consuming.changes.changesSeen >= 1)
            // Idle, the watcher reads data_version at most every 100 ms unless the file changed.
            print("SQLite watcher: \(consuming.changes.changesSeen) change(s) seen, \(consuming.changes.versionReads) data_version read(s)")
        }
        // The app stopped its endpoint, which released its claims: nobody is idle any more.
        #expect(try await eventually(timeout: .seconds(2), every: .milliseconds(5)) { !consuming.changes.isWatching })
        await consuming.shutdown()
        await producing.shutdown()
        #expect(!consuming.changes.isWatching)
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    @Test("Pickup announcements coalesce: one send in flight, everything announced meanwhile goes in one more")
    func pickupDebouncerCoalesces() async throws {
        let debouncer = NotifyDebouncer()
        let sends = GatedSends()
        debouncer.announce(["a"], send: sends.send)
        #expect(try await eventually(timeout: .seconds(5), every: .milliseconds(1)) { sends.batches.count == 1 })
        for index in 0..<100 {
            debouncer.announce(["e\(index % 3)"], send: sends.send)
        }
        debouncer.announce(["a"], send: sends.send)
        #expect(sends.batches.count == 1, "nothing else is sent while the first send is in flight")
        sends.open()
        await debouncer.waitUntilIdle(atMost: .seconds(5))
        #expect(!debouncer.isBusy)
        #expect(sends.batches == [["a"], ["a", "e0", "e1", "e2"]])
        #expect(debouncer.announced == 102)
        #expect(debouncer.sends == 2)
        #expect(debouncer.failures == 0)
    }

    @Test("Pickup channel names: one per schema, valid identifiers of at most 63 bytes, without quotes")
    func pickupChannelNames() {
        #expect(PostgresNotifier.channel(forSchema: "app") == "waku.app")
        #expect(PostgresNotifier.channel(forSchema: "public") == "waku.public")
        let long = String(repeating: "s", count: 63)
        let odd = #"we"ird schéma"#
        for schema in [long, long.dropLast() + "t", odd, ""] {
            let channel = PostgresNotifier.channel(forSchema: String(schema))
            #expect(channel.utf8.count <= 63, "\(channel)")
            #expect(channel.hasPrefix("waku."))
            #expect(!channel.contains("\""))
        }
        #expect(PostgresNotifier.channel(forSchema: long) != PostgresNotifier.channel(forSchema: String(long.dropLast() + "t")))
        let notifier = PostgresNotifier()
        #expect(notifier.wake(for: notifier.sender + ":jobs") == .none)
        #expect(notifier.wake(for: "0:jobs") == .endpoint("jobs"))
        #expect(notifier.wake(for: "0:a:b") == .endpoint("a:b"))
        #expect(notifier.wake(for: "0:") == .all)
        #expect(notifier.wake(for: "") == .all)
        #expect(notifier.payloads(["b", "a"]) == [notifier.sender + ":a", notifier.sender + ":b"])
        #expect(notifier.payloads(["a", ""]) == [notifier.sender + ":"])
        #expect(notifier.payloads([String(repeating: "x", count: 8_000)]) == [notifier.sender + ":"])
    }
}

// MARK: PostgreSQL (serialized with the rest of the PostgreSQL suite: one of its tests stops the server)

extension PostgresDurableTests {
    /// A store on a fresh schema, prepared, and its URL.
    private func pickupStore() async throws -> (PostgresDurableStore, String, String) {
        let schema = TestDatabase.uniqueSchema("p")
        let store = try TestDatabase.makeStore(schema: schema)
        try await store.prepare()
        return (store, try TestDatabase.url(schema: schema), schema)
    }

    @Test("PostgreSQL: a worker process polling every 30 s picks up rows another process commits within the window")
    func postgresPickupAcrossProcesses() async throws {
        let (store, url, _) = try await pickupStore()
        let worker = try WorkerProcess("pickup-postgres", Pickup.consumer(url, handled: Pickup.jobs + 1))
        defer { if worker.isRunning { worker.crash() } }
        #expect(await worker.waitForOutput("consuming", timeout: .seconds(60)), "\(worker.output)")

        try await store.insert([Pickup.workerJob(0)])
        #expect(try await eventually(timeout: Pickup.window, every: .milliseconds(5)) {
            try await store.handledCount(endpoint: "jobs") == 1
        }, "\(worker.output)")
        for id in 1...Pickup.jobs {
            try await store.insert([Pickup.workerJob(id)])
            try await Task.sleep(for: Pickup.spacing)
        }
        let handled = try await eventually(timeout: Pickup.window, every: .milliseconds(5)) {
            try await store.handledCount(endpoint: "jobs") == Pickup.jobs + 1
        }
        let count = try await store.handledCount(endpoint: "jobs")
        #expect(handled, "only \(count) of \(Pickup.jobs + 1) handled: \(worker.output)")
        // Both times come from the database's clock.
        let latencies = try await store.query(PostgresQuery(unsafeSQL: """
            SELECT extract(epoch FROM first_claimed_at - created_at)::float8 FROM \(store.qualified("waku_deliveries"))
            WHERE endpoint = 'jobs' ORDER BY id OFFSET 1
            """)).map { try $0.decode(Double.self) }
        print("PostgreSQL pickup across processes (worker polls every \(Pickup.pollMilliseconds / 1000) s): \(Pickup.summary(latencies))")
        #expect(latencies.count == Pickup.jobs)
        #expect(latencies.allSatisfy { $0 < 10 }, "\(latencies)")
        #expect(await worker.waitForExit(timeout: .seconds(60)) == 0, "\(worker.output)")
        await store.dropSchemaAndShutdown()
    }

    @Test("PostgreSQL pickup: concurrent outbox commits send far fewer NOTIFYs than commits, and listeners get each one")
    func postgresPickupNotifiesCoalesce() async throws {
        let (store, _, schema) = try await pickupStore()
        let channel = PostgresNotifier.channel(forSchema: schema)
        let (user, password, host, port, database) = try TestDatabase.parts()
        var logger = Logger(label: "waku.test.listener")
        logger.logLevel = .warning
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: host, port: port, username: user, password: password, database: database, tls: .disable),
            id: 1, logger: logger)
        let received = Locked<[String]>([])
        let listening = Locked(false)
        let listener = Task {
            try await connection.listen(on: channel) { notifications in
                listening.withLock { $0 = true }
                for try await notification in notifications { received.withLock { $0.append(notification.payload) } }
            }
        }
        #expect(try await eventually(timeout: .seconds(10), every: .milliseconds(5)) { listening.withLock { $0 } })

        let publishers = 32
        let commitsEach = 10
        try await withThrowingTaskGroup(of: Void.self) { group in
            for publisher in 0..<publishers {
                group.addTask {
                    for index in 0..<commitsEach {
                        let unitOfWork = store.unitOfWork()
                        try await withUnitOfWork(unitOfWork) {
                            try await unitOfWork.insert([Pickup.ping(publisher * commitsEach + index, endpoint: "pings")])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        await store.notifier.announcements.waitUntilIdle(atMost: .seconds(10))
        let announcements = store.notifier.announcements
        let commits = publishers * commitsEach
        #expect(try await eventually(timeout: .seconds(5), every: .milliseconds(5)) {
            received.withLock { $0.count } == announcements.sends - announcements.failures
        })
        let payloads = received.withLock { $0 }
        print("""
            PostgreSQL NOTIFY debounce: \(commits) outbox commits, \(announcements.announced) announcements, \
            \(announcements.sends) NOTIFY statement(s), \(announcements.failures) failed, \(payloads.count) notification(s) received
            """)
        #expect(announcements.announced == commits)
        #expect(announcements.failures == 0)
        #expect(announcements.sends >= 1)
        #expect(announcements.sends < commits, "commits made while a NOTIFY was in flight were sent together")
        #expect(payloads.allSatisfy { $0 == store.notifier.sender + ":pings" }, "\(Set(payloads))")
        listener.cancel()
        _ = await listener.result
        try? await connection.close()
        #expect(try await store.pendingCount(endpoint: "pings") == commits)
        await store.dropSchemaAndShutdown()
    }

    @Test("PostgreSQL pickup: a publish succeeds when every NOTIFY fails; polling still finds the rows")
    func postgresPickupSurvivesFailingNotify() async throws {
        let (store, _, _) = try await pickupStore()
        // PostgreSQL rejects an empty channel name: every NOTIFY of this store fails.
        store.notifier.remember(channel: "")
        try await store.insert([Pickup.ping(1, endpoint: "pings")])
        let unitOfWork = store.unitOfWork()
        try await withUnitOfWork(unitOfWork) { try await unitOfWork.insert([Pickup.ping(2, endpoint: "pings")]) }
        await store.notifier.announcements.waitUntilIdle(atMost: .seconds(10))
        #expect(store.notifier.announcements.failures >= 1)
        #expect(store.notifier.announcements.failures == store.notifier.announcements.sends)
        #expect(try await store.pendingCount(endpoint: "pings") == 2)

        // A worker on this store still handles them (its first claim, then its polls).
        let recorder = PingRecorder()
        let module = PickupModule(store: store, endpoint: .durable("pings", pollInterval: .milliseconds(50)), recorder: recorder)
        try await withApp(module) { _ in
            let handled = await recorder.wait(timeout: Pickup.window) { $0.handled.count == 2 }
            #expect(handled)
        }
        await store.dropSchemaAndShutdown()
    }

    @Test("PostgreSQL pickup: the listener reconnects after its connection is killed, and wakes workers again")
    func postgresPickupAfterReconnect() async throws {
        let (consuming, url, schema) = try await pickupStore()
        let producing = try PostgresDurableStore(url: url)
        let recorder = PingRecorder()
        let module = PickupModule(store: consuming, endpoint: .durable("pings", pollInterval: .seconds(30)), recorder: recorder)
        try await withApp(module) { _ in
            #expect(try await eventually(timeout: Pickup.window, every: .milliseconds(5)) { consuming.notifier.isListening })
            try await producing.insert([Pickup.ping(1, endpoint: "pings")])
            #expect(await recorder.wait(timeout: Pickup.window) { $0.handled.count == 1 })

            // Kill the listening connection, as a database restart or a network failure would.
            var binds = PostgresBindings()
            binds.append(#"LISTEN "\#(PostgresNotifier.channel(forSchema: schema))"%"#)
            let killed = try await producing.scalar(
                "SELECT count(pg_terminate_backend(pid))::int8 FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()", binds)
            #expect(killed == 1)
            #expect(try await eventually(timeout: Pickup.window, every: .milliseconds(5)) {
                consuming.notifier.listens >= 2 && consuming.notifier.isListening
            }, "listened \(consuming.notifier.listens) time(s)")

            let started = ContinuousClock.now
            try await producing.insert([Pickup.ping(2, endpoint: "pings")])
            #expect(await recorder.wait(timeout: Pickup.window) { $0.handled.count == 2 })
            print("PostgreSQL pickup after the listener reconnected: \(started.duration(to: .now))")
            // The claim may have found the row before its notification arrived: wait for it.
            #expect(try await eventually(timeout: Pickup.window, every: .milliseconds(5)) { consuming.notifier.received >= 2 })
        }
        await producing.shutdown()
        await consuming.dropSchemaAndShutdown()
        #expect(!consuming.notifier.isListening)
    }
}
#endif
