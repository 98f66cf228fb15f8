/// Where routed deliveries wait and are processed: the seam between the bus and a transport.
///
/// ``LocalQueueEndpoint`` keeps deliveries in memory; durable stores implement the same protocol
/// over persisted rows.
public protocol Endpoint: Sendable {
    /// The name routing rules and endpoint configurations use for this endpoint.
    var name: String { get }
    /// Starts the workers. Called after the app initialized.
    func start(processor: DeliveryProcessor) async throws
    /// Accepts a delivery; throws ``EndpointStopped``, ``EndpointFull`` or ``EndpointNotStarted``.
    func enqueue(_ delivery: Delivery) async throws
    /// Stops accepting, drains queued and in-flight deliveries within the stop timeout, and
    /// reports what was left.
    func stop() async -> EndpointStopReport
    /// Deliveries waiting (not yet taken by a worker).
    var depth: Int { get }
    /// Deliveries being processed.
    var inFlight: Int { get }
}

/// What ``Endpoint/stop()`` managed to finish.
public struct EndpointStopReport: Sendable, Equatable {
    /// The name of the endpoint that stopped.
    public let endpoint: String
    /// Deliveries completed during the drain.
    public let drained: Int
    /// Deliveries left unprocessed when the stop timeout expired (lost for in-memory endpoints).
    public let abandoned: Int
}
