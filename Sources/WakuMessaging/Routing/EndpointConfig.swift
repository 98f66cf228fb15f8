import Waku

/// One endpoint of ``MessagingConfig``: where routed handlers are processed.
public struct EndpointConfig: Sendable {
    /// What `publish`/`send` do when an endpoint's queue is full.
    public enum WhenFull: Sendable, Equatable {
        /// Wait for space: backpressure on the caller.
        case wait
        /// Throw ``EndpointFull`` at once.
        case fail
    }

    /// The endpoint's name, as routing rules name it.
    public let name: String
    /// Parallel workers. 1 starts deliveries in the order they were enqueued (a retry goes back
    /// in the queue, behind what came meanwhile, unless the endpoint is `ordered`); more process
    /// in parallel with no ordering guarantee.
    public var concurrency: Int
    /// Deliveries held at most: queued, or (local queues) waiting for a retry.
    public var capacity: Int
    /// How long `stop` waits for queued and in-flight deliveries to drain. Durable endpoints then
    /// cancel what still runs and return within ``DurableEndpoint/stopGrace`` more.
    public var stopTimeout: Duration
    /// What a dispatch does when the queue holds `capacity` deliveries.
    public var whenFull: WhenFull
    /// The endpoint's error policy; ``ErrorPolicy/default`` when not set.
    public var errorPolicy: ErrorPolicy
    /// Per message type overrides of `errorPolicy`.
    public var messagePolicies: [MessagePolicy]
    /// Whether deliveries are persisted in ``MessagingConfig/durableStore`` (at-least-once).
    public var isDurable = false
    /// Local queues only: strict FIFO, retries included. A failing delivery holds the endpoint's
    /// single worker through its backoff, so nothing behind it starts before it ends. Requires
    /// `concurrency` 1. Otherwise a retry waits off the worker and re-enters the queue when due.
    public var ordered = false
    /// Durable only: derives a group key from the message when the dispatch gave none.
    public var partitionBy: (@Sendable (any IMessage) -> String?)?
    /// Durable only: deliveries claimed per round trip.
    public var batchSize = 64
    /// Durable only: how long a claim stays leased without a heartbeat. A live worker extends the
    /// lease of the rows it holds five times per lease, however long its handlers run; when a
    /// process dies, its rows are claimable again within one lease (5 s by default).
    public var lease: Duration = .seconds(5)
    /// Durable only: how often an idle worker looks for work written by other processes.
    public var pollInterval: Duration = .milliseconds(100)

    /// An in-memory queue drained by background workers: at-most-once across a crash.
    ///
    /// A failed delivery waits for its retry off the workers, which go on with the deliveries
    /// behind it; `ordered: true` (with `concurrency` 1) keeps strict FIFO instead, retries
    /// included, at the price of the queue waiting through every backoff.
    public static func localQueue(
        _ name: String, concurrency: Int = 1, capacity: Int = 10_000, stopTimeout: Duration = .seconds(5),
        whenFull: WhenFull = .wait, errorPolicy: ErrorPolicy = .default, messagePolicies: [MessagePolicy] = []
    ) -> EndpointConfig {
        EndpointConfig(
            name: name, concurrency: concurrency, capacity: capacity, stopTimeout: stopTimeout, whenFull: whenFull,
            errorPolicy: errorPolicy, messagePolicies: messagePolicies)
    }

    /// A local queue that keeps strict FIFO, retries included: ``localQueue(_:concurrency:capacity:stopTimeout:whenFull:errorPolicy:messagePolicies:)``
    /// with one worker that sleeps through each retry's backoff, so no delivery starts before
    /// the one ahead of it was handled, dead-lettered or discarded.
    public static func localQueue(
        _ name: String, ordered: Bool, capacity: Int = 10_000, stopTimeout: Duration = .seconds(5),
        whenFull: WhenFull = .wait, errorPolicy: ErrorPolicy = .default, messagePolicies: [MessagePolicy] = []
    ) -> EndpointConfig {
        var config = localQueue(
            name, concurrency: 1, capacity: capacity, stopTimeout: stopTimeout, whenFull: whenFull,
            errorPolicy: errorPolicy, messagePolicies: messagePolicies)
        config.ordered = ordered
        return config
    }

    /// A durable endpoint: deliveries are persisted before anything runs, claimed with a lease,
    /// and finalized after the handler ran. At-least-once across crashes; retries are persisted.
    public static func durable(
        _ name: String, concurrency: Int = 4, stopTimeout: Duration = .seconds(5), errorPolicy: ErrorPolicy = .default,
        messagePolicies: [MessagePolicy] = [], partitionBy: (@Sendable (any IMessage) -> String?)? = nil,
        batchSize: Int = 64, lease: Duration = .seconds(5), pollInterval: Duration = .milliseconds(100)
    ) -> EndpointConfig {
        var config = EndpointConfig(
            name: name, concurrency: concurrency, capacity: Int.max, stopTimeout: stopTimeout, whenFull: .wait,
            errorPolicy: errorPolicy, messagePolicies: messagePolicies)
        config.isDurable = true
        config.partitionBy = partitionBy
        config.batchSize = batchSize
        config.lease = lease
        config.pollInterval = pollInterval
        return config
    }

    func policy(for messageType: ObjectIdentifier) -> ErrorPolicy {
        messagePolicies.last { $0.message.id == messageType }?.policy ?? errorPolicy
    }
}

/// An error policy for one message type on one endpoint: `.policy(for: OrderPlaced.self, .discard)`.
public struct MessagePolicy: Sendable {
    let message: TypeKey
    let policy: ErrorPolicy

    /// Uses `policy` instead of the endpoint's error policy for messages of `type`.
    public static func policy<M: IMessage>(for type: M.Type, _ policy: ErrorPolicy) -> MessagePolicy {
        MessagePolicy(message: TypeKey(type), policy: policy)
    }
}
