import Foundation
import Logging
import PostgresNIO
import Waku
import WakuMessaging

/// Wakes durable workers in other processes over PostgreSQL `LISTEN`/`NOTIFY`, so a delivery one
/// process commits is claimed by an idle worker elsewhere within milliseconds instead of at its
/// next poll. Polling stays the fallback: a lost notification only delays a delivery to the next
/// poll, and nothing here can fail or slow a publish.
///
/// **Sending.** After a commit that made deliveries claimable (a group commit of ``PostgresDurableStore/insert(_:)``,
/// an outbox commit, replayed dead letters, claims released at a stop) the store announces the
/// endpoints it wrote to. The
/// `NOTIFY` runs in a statement of its own, never inside the insert's transaction: PostgreSQL
/// serializes the commits of notifying transactions on one database-wide lock, which cut insert
/// throughput about tenfold when every insert transaction notified. Announcements are debounced
/// (``NotifyDebouncer``): at most one `NOTIFY` statement per store is in flight, and whatever is
/// announced meanwhile goes out together in the next one. Failures are logged (a warning when
/// sending starts failing, debug after that) and dropped.
///
/// **Payload.** One notification per distinct endpoint, `<sender>:<endpoint>`, all sent by one
/// statement. Naming the endpoint lets a receiving process wake only that endpoint's workers
/// instead of every durable endpoint it runs (each woken idle worker spends a claim); naming the
/// sender (a random id of the store instance) lets a process skip its own notifications, since
/// the commit already woke its workers in-process. `<sender>:` with no endpoint (replayed dead
/// letters and released claims, whose endpoints are not read back) and any payload without `:`
/// (an operator's `NOTIFY "waku.app"`) wake every worker of the store.
///
/// **Channel.** `waku.<schema>` (``channel(forSchema:)``), so applications in different schemas of
/// one database do not wake each other; with no configured schema, the connection's
/// `current_schema()` is used, which is where the tables live.
///
/// **Listening.** The first claim through the store starts a listener (a process that never claims,
/// such as a producer, never listens) on a connection of its own, opened like the start-up check
/// (outside the pool) for a store built from a URL, or held from the pool otherwise. Each time
/// `LISTEN` takes effect it wakes every worker once, to pick up rows committed while it was not
/// listening. It checks the connection every ``healthInterval`` (which also keeps NAT and
/// firewall state alive), reconnects with backoff after a connection loss or a database restart,
/// and stops in ``PostgresDurableStore/shutdown()``.
final class PostgresNotifier: Sendable {
    /// This store instance's id in payloads.
    let sender: String
    /// The debounced sending side.
    let announcements = NotifyDebouncer()
    private let state = Locked(State())

    /// How often the listening connection is checked with `SELECT 1`.
    static let healthInterval: Duration = .seconds(15)
    /// How long that check may take before the connection counts as lost.
    static let healthTimeout: Duration = .seconds(10)
    /// First wait before reconnecting the listener; doubles up to ``maximumBackoff``.
    static let reconnectBackoff: Duration = .milliseconds(100)
    static let maximumBackoff: Duration = .seconds(5)
    /// PostgreSQL refuses payloads of 8000 bytes or more.
    static let maximumPayload = 7_999

    private struct State {
        /// Whether the listener was started (it may not be stored yet).
        var started = false
        var listener: Task<Void, Never>?
        var closed = false
        /// Whether `LISTEN` is in effect now.
        var listening = false
        /// Times `LISTEN` took effect (1 + reconnections).
        var listens = 0
        /// The channel, once known (resolved from `current_schema()` without a configured schema).
        var channel: String?
        /// Notifications received from other senders.
        var received = 0
        /// Whether the last `NOTIFY` failed: the next failure is logged at debug only.
        var failing = false
    }

    init() {
        var generator = SystemRandomNumberGenerator()
        sender = String(generator.next() as UInt64, radix: 16)
    }

    /// Whether `LISTEN` is in effect now.
    var isListening: Bool { state.withLock { $0.listening } }
    /// Times `LISTEN` took effect.
    var listens: Int { state.withLock { $0.listens } }
    /// Notifications received from other store instances.
    var received: Int { state.withLock { $0.received } }

    /// The channel for a schema: `waku.<schema>` when that is a plain identifier of at most 58
    /// bytes; otherwise up to 40 of its plain characters and a 64-bit FNV-1a hash of the whole name,
    /// so the channel stays a valid identifier (at most 63 bytes, no quotes: postgres-nio quotes it
    /// as is) and two schemas never share it by accident.
    static func channel(forSchema schema: String) -> String {
        if PostgresSchema.isValidIdentifier(schema), schema.utf8.count <= 58 { return "waku." + schema }
        let plain = schema.unicodeScalars.filter { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in schema.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "waku." + String(String.UnicodeScalarView(plain.prefix(40))) + "." + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The payloads for `endpoints` ("" stands for every endpoint).
    func payloads(_ endpoints: [String]) -> [String] {
        let wildcard = sender + ":"
        if endpoints.contains("") { return [wildcard] }
        let payloads = endpoints.sorted().map { wildcard + $0 }
        // An endpoint name too long for a payload still wakes the listeners: all of them.
        return payloads.allSatisfy { $0.utf8.count <= Self.maximumPayload } ? payloads : [wildcard]
    }

    /// What a received payload asks for.
    enum Wake: Equatable {
        /// Nothing: this store sent it, and its commit woke this process's workers already.
        case none
        case endpoint(String)
        case all
    }

    func wake(for payload: String) -> Wake {
        guard let colon = payload.firstIndex(of: ":") else { return .all }
        if payload[..<colon] == sender { return .none }
        let endpoint = payload[payload.index(after: colon)...]
        return endpoint.isEmpty ? .all : .endpoint(String(endpoint))
    }

    // MARK: State

    /// Claims the right to start the listener: true once, unless closed.
    func shouldStartListener() -> Bool {
        state.withLock { state in
            guard !state.started, !state.closed else { return false }
            state.started = true
            return true
        }
    }

    /// Stores the listener task; returns false when the notifier closed meanwhile (the caller cancels it).
    func setListener(_ task: Task<Void, Never>) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.listener = task
            return true
        }
    }

    func setListening(_ listening: Bool) {
        state.withLock { state in
            if listening, !state.listening { state.listens += 1 }
            state.listening = listening
        }
    }

    func countReceived() {
        state.withLock { $0.received += 1 }
    }

    var knownChannel: String? { state.withLock { $0.channel } }

    func remember(channel: String) {
        state.withLock { $0.channel = channel }
    }

    /// Records a send's outcome; returns whether a failure should be logged as a warning (the first of a streak).
    func sent(_ succeeded: Bool) -> Bool {
        state.withLock { state in
            defer { state.failing = !succeeded }
            return !succeeded && !state.failing
        }
    }

    /// Stops listening for good; returns the listener task to cancel.
    func close() -> Task<Void, Never>? {
        state.withLock { state in
            state.closed = true
            defer { state.listener = nil }
            return state.listener
        }
    }

    /// Waits for `task` to end, at most `timeout`; returns whether it ended.
    static func wait(for task: Task<Void, Never>, atMost timeout: Duration) async -> Bool {
        let waiter = Locked<CheckedContinuation<Bool, Never>?>(nil)
        let take = { @Sendable () -> CheckedContinuation<Bool, Never>? in
            waiter.withLock { value in
                defer { value = nil }
                return value
            }
        }
        let timers = Locked<Task<Void, Never>?>(nil)
        let ended = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            waiter.withLock { $0 = continuation }
            timers.withLock {
                $0 = Task {
                    try? await Task.sleep(for: timeout)
                    take()?.resume(returning: false)
                }
            }
            Task {
                await task.value
                take()?.resume(returning: true)
            }
        }
        timers.withLock { $0 }?.cancel()
        return ended
    }
}

/// Sends at most one announcement at a time: endpoints announced while one is in flight are
/// collected and sent together, once, when it ends. No caller ever waits for a send.
final class NotifyDebouncer: Sendable {
    /// Sends one batch of endpoint names; returns whether it succeeded.
    typealias Send = @Sendable ([String]) async -> Bool

    private struct State {
        var pending: Set<String> = []
        var sending = false
        /// Announcements made (one per commit that wrote due deliveries).
        var announced = 0
        /// Batches sent (each one `NOTIFY` statement), and how many of them failed.
        var sends = 0
        var failures = 0
    }

    private let state = Locked(State())

    /// Announcements made so far.
    var announced: Int { state.withLock { $0.announced } }
    /// Batches sent so far (successful or not).
    var sends: Int { state.withLock { $0.sends } }
    /// Batches that failed.
    var failures: Int { state.withLock { $0.failures } }
    /// Whether a batch is being sent or waiting to be.
    var isBusy: Bool { state.withLock { $0.sending } }

    /// Announces `endpoints` ("" for every endpoint). Starts sending in a task of its own unless a
    /// send is in flight, in which case they go out with the next batch. Every caller must pass
    /// the same `send`; the caller that starts a batch runs its own.
    func announce(_ endpoints: some Sequence<String>, send: @escaping Send) {
        let start = state.withLock { state -> Bool in
            state.announced += 1
            state.pending.formUnion(endpoints)
            guard !state.sending, !state.pending.isEmpty else { return false }
            state.sending = true
            return true
        }
        // Detached: a publisher's task-locals, priority and cancellation have nothing to do with it.
        if start { Task.detached { await self.drain(send) } }
    }

    private func drain(_ send: Send) async {
        while true {
            let batch = state.withLock { state -> [String]? in
                if state.pending.isEmpty {
                    state.sending = false
                    return nil
                }
                defer { state.pending = [] }
                state.sends += 1
                return Array(state.pending)
            }
            guard let batch else { return }
            if await !send(batch) { state.withLock { $0.failures += 1 } }
        }
    }

    /// Waits until nothing is being sent, at most `timeout`.
    func waitUntilIdle(atMost timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while isBusy, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// Listening or notifying cannot go on: the stream ended, the connection stopped answering, or
/// the channel cannot be named.
struct ListenerLost: Error, CustomStringConvertible {
    let description: String
}

extension PostgresDurableStore {
    // MARK: Sending

    /// Tells other processes that `deliveries` were committed: the endpoints of those due now.
    /// Rows scheduled for later are left to polling (nobody could be told when they fall due).
    func announce(_ deliveries: [StoredDelivery]) {
        let soon = Date().addingTimeInterval(1)
        var endpoints = Set<String>()
        for delivery in deliveries where delivery.availableAt <= soon { endpoints.insert(delivery.endpoint) }
        announce(endpoints: endpoints)
    }

    /// Tells other processes that deliveries of `endpoints` were committed (`nil`: of any endpoint).
    func announce(endpoints: Set<String>?) {
        if let endpoints, endpoints.isEmpty { return }
        notifier.announcements.announce(endpoints ?? [""]) { [weak self] batch in
            await self?.sendNotifications(batch) ?? false
        }
    }

    /// One `NOTIFY` per endpoint in one statement, outside any transaction of the caller's.
    private func sendNotifications(_ endpoints: [String]) async -> Bool {
        do {
            let channel: String
            if let known = notifier.knownChannel {
                channel = known
            } else {
                channel = try await withConnection("notify") { connection in try await notificationChannel(on: connection) }
            }
            var binds = PostgresBindings(capacity: 2)
            binds.append(channel)
            binds.append(notifier.payloads(endpoints))
            try await execute("notify", PostgresQuery(unsafeSQL: "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", binds: binds))
            _ = notifier.sent(true)
            return true
        } catch {
            let metadata: Logger.Metadata = ["waku.store": "\(displayName)", "waku.error": "\(error)"]
            if notifier.sent(false) {
                logger.warning("Could not notify other processes of new deliveries; they find them at their next poll", metadata: metadata)
            } else {
                logger.debug("Could not notify other processes of new deliveries", metadata: metadata)
            }
            return false
        }
    }

    /// The channel of this store's schema; without a configured schema, of `current_schema()`.
    private func notificationChannel(on connection: PostgresConnection) async throws -> String {
        if let known = notifier.knownChannel { return known }
        let channel: String
        if let schemaName {
            channel = PostgresNotifier.channel(forSchema: schemaName)
        } else {
            let rows = try await connection.guardedRows("SELECT current_schema()", logger: logger)
            guard let schema = try rows.first?.decode(String?.self) else {
                throw ListenerLost(description: "the connection has no current schema (its search_path names no existing schema)")
            }
            channel = PostgresNotifier.channel(forSchema: schema)
        }
        notifier.remember(channel: channel)
        return channel
    }

    // MARK: Listening

    /// Starts the listener unless it runs already; called at every claim, so a process that never
    /// claims never listens.
    func startListening() {
        // Held from the pool, the listener would leave a one-connection pool nothing to work with.
        guard probe != nil || options.maximumConnections >= 2 else { return }
        guard notifier.shouldStartListener() else { return }
        let task = Task.detached { [weak self] in
            guard let self else { return }
            await self.listen()
        }
        if !notifier.setListener(task) { task.cancel() }
    }

    /// Listens until cancelled, reconnecting with backoff.
    private func listen() async {
        var backoff = PostgresNotifier.reconnectBackoff
        var failures = 0
        while !Task.isCancelled {
            var listened = false
            do {
                let (connection, close) = try await openListenerConnection()
                do {
                    let channel = try await notificationChannel(on: connection)
                    try await connection.listen(on: channel) { notifications in
                        listened = true
                        failures = 0
                        notifier.setListening(true)
                        logger.debug("Listening for deliveries committed by other processes", metadata: [
                            "waku.store": "\(displayName)", "waku.channel": "\(channel)",
                        ])
                        // Rows committed while nothing listened (before the first LISTEN, or
                        // during a reconnection) were never announced here: claim once now.
                        DurableWakeups.committed(self)
                        try await watch(notifications, on: connection)
                    }
                } catch {
                    await close()
                    throw error
                }
                await close()
            } catch {
                notifier.setListening(false)
                if Task.isCancelled { break }
                failures += 1
                let metadata: Logger.Metadata = [
                    "waku.store": "\(displayName)", "waku.error": "\(translate(error, "listen"))", "waku.backoff": "\(backoff)",
                ]
                if failures == 1 {
                    logger.warning("Not listening for other processes' deliveries; polling until reconnected", metadata: metadata)
                } else {
                    logger.debug("Listener still disconnected", metadata: metadata)
                }
            }
            notifier.setListening(false)
            if listened { backoff = PostgresNotifier.reconnectBackoff }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, PostgresNotifier.maximumBackoff)
        }
        notifier.setListening(false)
    }

    /// Wakes workers for each notification until the stream fails, the connection stops
    /// answering, or the task is cancelled.
    private func watch(_ notifications: PostgresNotificationSequence, on connection: PostgresConnection) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await notification in notifications {
                    self.received(notification.payload)
                }
                throw ListenerLost(description: "the notification stream ended")
            }
            group.addTask { try await self.checkAlive(connection) }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    private func received(_ payload: String) {
        switch notifier.wake(for: payload) {
        case .none:
            return
        case .endpoint(let endpoint):
            notifier.countReceived()
            DurableWakeups.committed(self, endpoint: endpoint)
        case .all:
            notifier.countReceived()
            DurableWakeups.committed(self)
        }
    }

    /// Runs `SELECT 1` on the listening connection every ``PostgresNotifier/healthInterval``; throws
    /// when it fails or takes longer than ``PostgresNotifier/healthTimeout`` (then closes the
    /// connection, which also ends the notification stream).
    private func checkAlive(_ connection: PostgresConnection) async throws {
        let logger = self.logger
        while true {
            try await Task.sleep(for: PostgresNotifier.healthInterval)
            let answered = await withTaskGroup(of: Bool.self) { group in
                group.addTask { (try? await connection.guardedRows("SELECT 1", logger: logger)) != nil }
                group.addTask {
                    try? await Task.sleep(for: PostgresNotifier.healthTimeout)
                    return false
                }
                let first = await group.next() ?? false
                // A statement on a silent connection never ends until the connection closes.
                if !first { try? await connection.close() }
                group.cancelAll()
                return first
            }
            try Task.checkCancellation()
            if !answered { throw ListenerLost(description: "the listening connection stopped answering") }
        }
    }

    /// A connection for the listener and how to close it: opened directly for a store built from
    /// a URL, else held from the pool (and closed, not reused, when the listener is done with it).
    private func openListenerConnection() async throws -> (PostgresConnection, @Sendable () async -> Void) {
        if let probe {
            let connection = try await connectDirectly(probe)
            return (connection, { try? await connection.close() })
        }
        let store = displayName
        let timeout = options.acquireTimeout
        let held = try await HeldConnection.lease(from: client, timeout: timeout, logger: logger) {
            DurableStoreUnavailable(store: store, reason: "no connection for the listener within \(timeout)", fix: "Check that PostgreSQL is running.")
        }
        return (held.connection, {
            try? await held.connection.close()
            held.release(rollback: false)
        })
    }

    /// Lets the last announcement go out, then stops the listener (bounded: during an outage the
    /// listener may be in the middle of a connection attempt, which ends by itself).
    func stopNotifications() async {
        await notifier.announcements.waitUntilIdle(atMost: .seconds(1))
        guard let listener = notifier.close() else { return }
        listener.cancel()
        _ = await PostgresNotifier.wait(for: listener, atMost: .seconds(2))
    }
}
