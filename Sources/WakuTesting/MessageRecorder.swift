public import Waku
public import WakuMessaging

/// A `MessageObserver` that records everything the bus reports, for assertions and for
/// waiting: dispatches, handler executions and failures (with the original errors), and the
/// life of routed deliveries, local and durable.
///
/// Unlike ``trackMessages(_:timeout:isolation:_:)``, which follows one block's messages until
/// they are done, a recorder sees every message of the application from the moment it is
/// attached, and a test waits for exactly the condition it cares about:
///
/// ```swift
/// try await recordMessages(app) { recorder in
///     try await publish(OrderPlaced(orderId: "o-1"))
///     #expect(await recorder.wait { $0.handlers(of: OrderPlaced.self).contains("UpdateOrderStats") })
///     #expect(recorder.failures.isEmpty)
/// }
/// ```
///
/// Attach it with ``recordMessages(_:isolation:_:)``, or yourself with
/// `MessagingRuntime.addObserver(_:)`.
public final class MessageRecorder: MessageObserver {
    /// A handler execution that succeeded.
    public struct Handled: Sendable {
        /// The message's envelope.
        public let envelope: MessageEnvelope
        /// The handler's name.
        public let handler: String
        /// The endpoint it ran on; `nil` for inline execution.
        public let endpoint: String?
    }

    /// A handler attempt that threw.
    public struct Failure: Sendable {
        /// The message's envelope.
        public let envelope: MessageEnvelope
        /// The handler's name.
        public let handler: String
        /// The endpoint it ran on; `nil` for inline execution.
        public let endpoint: String?
        /// The error as thrown. Durable endpoints report a stored description (its text is the
        /// original error's `description`).
        public let error: any Error
        /// The attempt, counting from 1.
        public let attempt: Int
        /// Whether the error policy retries the delivery.
        public let willRetry: Bool
    }

    /// A routed delivery that reached its end.
    public struct Finished: Sendable {
        /// The delivery, with its attempts.
        public let delivery: Delivery
        /// How it ended.
        public let outcome: DeliveryProcessor.Outcome
        /// The last error, if any.
        public let error: (any Error)?
    }

    private struct State {
        var dispatched: [MessageEnvelope] = []
        var handled: [Handled] = []
        var failures: [Failure] = []
        var enqueued: [Delivery] = []
        var finished: [Finished] = []
    }

    private let state = Locked(State())
    private let changes = ChangeFeed()

    /// A recorder that has seen nothing yet.
    public init() {}

    private func update(_ change: (inout State) -> Void) {
        state.withLock(change)
        changes.changed()
    }

    // MARK: What was recorded

    /// Every dispatch (`invoke`, `send`, `publish`), in order.
    public var dispatched: [MessageEnvelope] { state.withLock { $0.dispatched } }
    /// Every handler execution that succeeded, inline or routed, in the order they ended.
    public var handled: [Handled] { state.withLock { $0.handled } }
    /// Every failed handler attempt, in order.
    public var failures: [Failure] { state.withLock { $0.failures } }
    /// Every routed delivery its endpoint was handed, in order (a replay is handed again).
    public var enqueued: [Delivery] { state.withLock { $0.enqueued } }
    /// Every routed delivery that reached its end, in order.
    public var finished: [Finished] { state.withLock { $0.finished } }

    /// The events of type `E` that were published, in order.
    public func published<E: IEvent>(_ type: E.Type) -> [E] { dispatched.compactMap { $0.payload as? E } }

    /// The requests of type `R` that were invoked or sent, in order.
    public func sent<R: IRequest>(_ type: R.Type) -> [R] { dispatched.compactMap { $0.payload as? R } }

    /// The names of the handlers that handled a message of type `M`, one per execution.
    public func handlers<M: IMessage>(of type: M.Type) -> [String] {
        handled.filter { $0.envelope.payload is M }.map(\.handler)
    }

    /// The routed deliveries that ended with `outcome`, in order.
    public func deliveries(_ outcome: DeliveryProcessor.Outcome) -> [Delivery] {
        finished.filter { $0.outcome == outcome }.map(\.delivery)
    }

    // MARK: Waiting

    /// Waits until `condition` holds, checking it again after everything the recorder sees.
    /// Returns `false` if the task is cancelled first or `timeout` passes.
    public func wait(
        timeout: Duration = .seconds(30), isolation: isolated (any Actor)? = #isolation,
        until condition: (MessageRecorder) throws -> Bool
    ) async rethrows -> Bool {
        try await changes.wait(timeout: timeout) { try condition(self) }
    }

    // MARK: MessageObserver

    /// Records a dispatch.
    public func dispatchStarted(_ envelope: MessageEnvelope) {
        update { $0.dispatched.append(envelope) }
    }

    /// Records a successful execution.
    public func handlerSucceeded(_ envelope: MessageEnvelope, handler: String, endpoint: String?) {
        update { $0.handled.append(Handled(envelope: envelope, handler: handler, endpoint: endpoint)) }
    }

    /// Records a failed attempt, with its error.
    public func handlerFailed(
        _ envelope: MessageEnvelope, handler: String, endpoint: String?, error: any Error, attempt: Int, willRetry: Bool
    ) {
        update {
            $0.failures.append(Failure(
                envelope: envelope, handler: handler, endpoint: endpoint, error: error, attempt: attempt, willRetry: willRetry))
        }
    }

    /// Records a routed delivery its endpoint was handed.
    public func deliveryEnqueued(_ delivery: Delivery) {
        update { $0.enqueued.append(delivery) }
    }

    /// Records how a routed delivery ended.
    public func deliveryFinished(_ delivery: Delivery, outcome: DeliveryProcessor.Outcome, error: (any Error)?) {
        update { $0.finished.append(Finished(delivery: delivery, outcome: outcome, error: error)) }
    }
}

/// Attaches a new ``MessageRecorder`` to `app`'s messaging runtime, runs `body` with it, and
/// detaches it, also when `body` throws. The app must import `MessagingModule`.
public func recordMessages<R>(
    _ app: WakuApplication, isolation: isolated (any Actor)? = #isolation, _ body: (MessageRecorder) async throws -> R
) async throws -> R {
    let runtime = try await app.container.get(MessagingRuntime.self)
    let recorder = MessageRecorder()
    runtime.addObserver(recorder)
    defer { runtime.removeObserver(recorder) }
    return try await body(recorder)
}
