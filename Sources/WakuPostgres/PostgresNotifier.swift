#if Postgres
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
        await firstOf({ await task.value }, orTimeout: timeout)
    }
}
#endif
