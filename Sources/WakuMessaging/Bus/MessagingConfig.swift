/// Configuration of ``MessagingModule``.
public struct MessagingConfig: Sendable {
    /// Behaviors that wrap every dispatch, outermost first.
    public var pipelineBehaviors: [any IPipelineBehavior.Type]
    /// Named endpoints that routed handlers are processed by.
    public var endpoints: [EndpointConfig]
    /// Which handlers go to which endpoint; unrouted handlers run inline.
    public var routing: [RoutingRule]
    /// Where exhausted deliveries go.
    public var deadLetterStore: any DeadLetterStore
    /// Custom endpoints (for example durable ones) next to the configured local queues.
    public var customEndpoints: [any Endpoint]

    public init(
        pipelineBehaviors: [any IPipelineBehavior.Type] = [],
        endpoints: [EndpointConfig] = [],
        routing: [RoutingRule] = [],
        deadLetterStore: any DeadLetterStore = InMemoryDeadLetterStore(),
        customEndpoints: [any Endpoint] = []
    ) {
        self.pipelineBehaviors = pipelineBehaviors
        self.endpoints = endpoints
        self.routing = routing
        self.deadLetterStore = deadLetterStore
        self.customEndpoints = customEndpoints
    }

    /// What identifies this configuration when `MessagingModule.register` is imported twice.
    var identity: String {
        "behaviors=" + pipelineBehaviors.map { String(reflecting: $0) }.joined(separator: ",")
            + ";endpoints=" + (endpoints.map(\.name) + customEndpoints.map(\.name)).joined(separator: ",")
            + ";routing=" + routing.map(\.description).joined(separator: ",")
    }

    var endpointNames: Set<String> { Set(endpoints.map(\.name) + customEndpoints.map(\.name)) }
}
