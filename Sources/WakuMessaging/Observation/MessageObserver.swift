import Foundation

/// Observes dispatch without writing a pipeline behavior: start, end and failure of every
/// handler execution, inline or routed, and the life of routed deliveries.
///
/// Register with ``MessagingRuntime/addObserver(_:)``. Callbacks run synchronously on the
/// dispatching task: keep them fast and never throw. Every method has an empty default.
public protocol MessageObserver: Sendable {
    /// A message was dispatched (`invoke`, `send` or `publish`), before any handler runs.
    func dispatchStarted(_ envelope: MessageEnvelope)
    /// A handler finished successfully. `endpoint` is `nil` for inline execution.
    func handlerSucceeded(_ envelope: MessageEnvelope, handler: String, endpoint: String?)
    /// A handler threw. For routed deliveries `attempt` counts from 1 and `willRetry` says
    /// whether the error policy retries it.
    func handlerFailed(_ envelope: MessageEnvelope, handler: String, endpoint: String?, error: any Error, attempt: Int, willRetry: Bool)
    /// A handler execution ended, successfully (`error == nil`) or not, after `duration`.
    func handlerFinished(_ envelope: MessageEnvelope, handler: String, endpoint: String?, duration: Duration, error: (any Error)?)
    /// A routed delivery was accepted by its endpoint.
    func deliveryEnqueued(_ delivery: Delivery)
    /// A routed delivery reached its end.
    func deliveryFinished(_ delivery: Delivery, outcome: DeliveryProcessor.Outcome, error: (any Error)?)
}

extension MessageObserver {
    public func dispatchStarted(_ envelope: MessageEnvelope) {}
    public func handlerSucceeded(_ envelope: MessageEnvelope, handler: String, endpoint: String?) {}
    public func handlerFailed(_ envelope: MessageEnvelope, handler: String, endpoint: String?, error: any Error, attempt: Int, willRetry: Bool) {}
    public func handlerFinished(_ envelope: MessageEnvelope, handler: String, endpoint: String?, duration: Duration, error: (any Error)?) {}
    public func deliveryEnqueued(_ delivery: Delivery) {}
    public func deliveryFinished(_ delivery: Delivery, outcome: DeliveryProcessor.Outcome, error: (any Error)?) {}
}
