import Foundation
public import Waku
public import WakuMessaging

/// What a block run under ``trackMessages(_:timeout:isolation:_:)`` caused.
public struct TrackedSession: Sendable {
    /// A handler execution that finished.
    public struct Handled: Sendable {
        /// The envelope of the message the handler handled.
        public let envelope: MessageEnvelope
        /// The handler's name.
        public let handler: String
        /// `nil` for inline execution.
        public let endpoint: String?
    }

    /// A handler attempt that threw.
    public struct Failure: Sendable {
        /// The envelope of the message the handler failed on.
        public let envelope: MessageEnvelope
        /// The handler's name.
        public let handler: String
        /// The endpoint the handler ran on; `nil` for inline execution.
        public let endpoint: String?
        /// The thrown error's description.
        public let error: String
        /// Which attempt failed, counting from 1.
        public let attempt: Int
        /// Whether the endpoint's error policy retries the delivery.
        public let willRetry: Bool
    }

    /// Every message dispatched (`invoke`, `send`, `publish`), including cascades, in order.
    public internal(set) var published: [MessageEnvelope] = []
    /// Every handler execution that succeeded, in the order they finished.
    public internal(set) var handled: [Handled] = []
    /// Every handler attempt that threw, retried or not.
    public internal(set) var failed: [Failure] = []
    /// Routed deliveries whose retries ran out and that went to the dead letters.
    public internal(set) var deadLettered: [Delivery] = []
    /// Routed deliveries whose retries ran out and that were dropped by a `.discard` error policy.
    public internal(set) var discarded: [Delivery] = []
    /// Routed deliveries that will never run: a stop gave up on them, or the unit of work that
    /// wrote them to a durable endpoint's outbox rolled back.
    public internal(set) var abandoned: [Delivery] = []

    /// The published messages of type `M`, in order.
    public func published<M: IMessage>(_ type: M.Type) -> [M] { published.compactMap { $0.payload as? M } }

    /// Handler names that handled messages of type `M`.
    public func handlers<M: IMessage>(of type: M.Type) -> [String] {
        handled.filter { $0.envelope.payload is M }.map(\.handler)
    }
}

/// Runs `body`, then waits until every message it caused — inline, routed, cascading, retried —
/// has been handled, dead-lettered, discarded or abandoned, and returns what happened. Tests never
/// sleep.
///
/// Deliveries routed to durable endpoints are followed too, through the hooks their endpoint
/// reports: a delivery waits in the store (delayed, or retried with a persisted backoff) and
/// counts as pending until its row is finalized in this process. One that another process
/// claims is not seen here.
///
/// Throws ``TrackingTimeout`` if work is still pending after `timeout`.
public func trackMessages<R>(
    _ app: WakuApplication,
    timeout: Duration = .seconds(30),
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> R
) async throws -> (result: R, session: TrackedSession) {
    let runtime = try await app.container.get(MessagingRuntime.self)
    let tracker = MessageTracker()
    runtime.addObserver(tracker)
    defer { runtime.removeObserver(tracker) }
    let result = try await MessageTracker.$current.withValue(ObjectIdentifier(tracker)) {
        try await body()
    }
    try await tracker.waitUntilIdle(timeout: timeout)
    return (result, tracker.session)
}

/// Work caused by a tracked block was still pending when the timeout expired.
public struct TrackingTimeout: Error, Sendable, CustomStringConvertible {
    /// How many deliveries were pending.
    public let pending: Int
    /// The pending deliveries, as "handler on endpoint for message id".
    public let deliveries: [String]

    /// A timeout with `pending` deliveries, described by `deliveries`.
    public init(pending: Int, deliveries: [String] = []) {
        self.pending = pending
        self.deliveries = deliveries
    }

    /// How many deliveries were pending, and which.
    public var description: String {
        "\(pending) tracked deliveries were still pending when trackMessages timed out"
            + (deliveries.isEmpty ? "." : ": " + deliveries.joined(separator: "; ") + ".")
    }
}

/// Follows the messages of one tracked block by correlation id.
final class MessageTracker: MessageObserver, @unchecked Sendable {
    // @unchecked: all mutable state lives in `state`, guarded by its lock.
    @TaskLocal static var current: ObjectIdentifier?

    /// One routed delivery, across its retries (and, for durable ones, across its stored row).
    private struct Key: Hashable {
        let messageId: UUID
        let handler: String
        let endpoint: String
        init(_ delivery: Delivery) {
            messageId = delivery.envelope.messageId
            handler = delivery.handler
            endpoint = delivery.endpoint
        }
    }

    private struct State {
        var correlations: Set<UUID> = []
        /// Pending deliveries by key: a replay can make one pending twice. Only an end this
        /// tracker saw begin counts, so a stray report (a row another run enqueued) cannot
        /// end the wait early.
        var pending: [Key: Int] = [:]
        var pendingCount = 0
        var session = TrackedSession()
        var idle: CheckedContinuation<Void, Never>?
    }

    private let state = Locked(State())

    var session: TrackedSession { state.withLock { $0.session } }

    private func tracks(_ envelope: MessageEnvelope, _ state: inout State) -> Bool {
        if state.correlations.contains(envelope.correlationId) { return true }
        if Self.current == ObjectIdentifier(self) {
            state.correlations.insert(envelope.correlationId)
            return true
        }
        return false
    }

    func dispatchStarted(_ envelope: MessageEnvelope) {
        state.withLock { state in
            if tracks(envelope, &state) { state.session.published.append(envelope) }
        }
    }

    func handlerSucceeded(_ envelope: MessageEnvelope, handler: String, endpoint: String?) {
        state.withLock { state in
            if tracks(envelope, &state) {
                state.session.handled.append(.init(envelope: envelope, handler: handler, endpoint: endpoint))
            }
        }
    }

    func handlerFailed(_ envelope: MessageEnvelope, handler: String, endpoint: String?, error: any Error, attempt: Int, willRetry: Bool) {
        state.withLock { state in
            if tracks(envelope, &state) {
                state.session.failed.append(.init(
                    envelope: envelope, handler: handler, endpoint: endpoint, error: String(describing: error),
                    attempt: attempt, willRetry: willRetry))
            }
        }
    }

    func deliveryEnqueued(_ delivery: Delivery) {
        state.withLock { state in
            if tracks(delivery.envelope, &state) {
                state.pending[Key(delivery), default: 0] += 1
                state.pendingCount += 1
            }
        }
    }

    func deliveryFinished(_ delivery: Delivery, outcome: DeliveryProcessor.Outcome, error: (any Error)?) {
        let idle: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard tracks(delivery.envelope, &state) else { return nil }
            let key = Key(delivery)
            guard let count = state.pending[key], count > 0 else { return nil }
            state.pending[key] = count > 1 ? count - 1 : nil
            state.pendingCount -= 1
            switch outcome {
            case .deadLettered: state.session.deadLettered.append(delivery)
            case .discarded: state.session.discarded.append(delivery)
            case .abandoned: state.session.abandoned.append(delivery)
            case .handled: break
            }
            guard state.pendingCount == 0, let idle = state.idle else { return nil }
            state.idle = nil
            return idle
        }
        idle?.resume()
    }

    func waitUntilIdle(timeout: Duration) async throws {
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let done = self.state.withLock { state -> Bool in
                        if state.pendingCount == 0 { return true }
                        state.idle = continuation
                        return false
                    }
                    if done { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            if !first {
                // Release the waiter so the group can finish.
                let idle = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.idle = nil }
                    return state.idle
                }
                idle?.resume()
            }
            group.cancelAll()
            return first
        }
        if !finished {
            let (count, pending) = state.withLock { ($0.pendingCount, $0.pending) }
            let deliveries = pending.flatMap { key, times in
                Array(repeating: "\(key.handler) on \(key.endpoint) for message \(key.messageId)", count: times)
            }
            throw TrackingTimeout(pending: count, deliveries: deliveries.sorted())
        }
    }
}
