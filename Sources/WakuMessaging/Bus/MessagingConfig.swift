public import Logging
public import Metrics
public import Tracing

/// Configuration of ``MessagingModule``.
public struct MessagingConfig: Sendable {
    /// Where messaging logs (routed failures, retries, dead letters, endpoint stops); `nil` uses
    /// the application's logger, the one passed to `WakuFactory(_:logger:)`.
    public var logger: Logger?
    /// Metrics backend; `nil` uses `MetricsSystem`'s, and records nothing when none is bootstrapped.
    public var metricsFactory: (any MetricsFactory)?
    /// Tracer; `nil` uses `InstrumentationSystem`'s, and traces nothing when none is bootstrapped.
    public var tracer: (any Tracer)?
    /// Behaviors that wrap every dispatch, outermost first.
    public var pipelineBehaviors: [any IPipelineBehavior.Type]
    /// Named endpoints that routed handlers are processed by.
    public var endpoints: [EndpointConfig]
    /// Which handlers go to which endpoint; unrouted handlers run inline.
    public var routing: [RoutingRule]
    /// Where exhausted deliveries go.
    public var deadLetterStore: any DeadLetterStore
    /// Custom endpoints next to the configured ones.
    public var customEndpoints: [any Endpoint]
    /// The store behind durable endpoints (`.durable(…)`), e.g. `SQLiteDurableStore` or `PostgresDurableStore`.
    public var durableStore: (any DurableStore)?
    /// Stable names for message types you cannot annotate with ``NamedMessage``.
    public var messageNames: [MessageName]

    /// A configuration; the defaults give an inline-only bus with in-memory dead letters and no
    /// durable store.
    public init(
        pipelineBehaviors: [any IPipelineBehavior.Type] = [],
        endpoints: [EndpointConfig] = [],
        routing: [RoutingRule] = [],
        deadLetterStore: any DeadLetterStore = InMemoryDeadLetterStore(),
        customEndpoints: [any Endpoint] = [],
        durableStore: (any DurableStore)? = nil,
        messageNames: [MessageName] = [],
        logger: Logger? = nil,
        metricsFactory: (any MetricsFactory)? = nil,
        tracer: (any Tracer)? = nil
    ) {
        self.logger = logger
        self.metricsFactory = metricsFactory
        self.tracer = tracer
        self.pipelineBehaviors = pipelineBehaviors
        self.endpoints = endpoints
        self.routing = routing
        self.deadLetterStore = deadLetterStore
        self.customEndpoints = customEndpoints
        self.durableStore = durableStore
        self.messageNames = messageNames
    }

    /// What identifies this configuration when `MessagingModule.register` is imported twice.
    var identity: String {
        "behaviors=" + pipelineBehaviors.map { String(reflecting: $0) }.joined(separator: ",")
            + ";endpoints=" + (endpoints.map(\.name) + customEndpoints.map(\.name)).joined(separator: ",")
            + ";routing=" + routing.map(\.description).joined(separator: ",")
    }

    var endpointNames: Set<String> { Set(endpoints.map(\.name) + customEndpoints.map(\.name)) }
}
