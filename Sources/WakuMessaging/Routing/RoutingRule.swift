public import Waku

/// Sends handlers to a named endpoint instead of running them inline.
///
/// ```swift
/// MessagingConfig(
///     endpoints: [.localQueue("notifications", concurrency: 4)],
///     routing: [
///         route(OrderPlaced.self).to("notifications"),             // every handler of the type
///         routeModule(AnalyticsModule.self).eventsTo("analytics"),  // only that module's handlers
///     ])
/// ```
///
/// A per-type route overrides a module route for that type, whatever their order. Routing one
/// message type to two endpoints (or one module twice) is a start-up error: a handler would
/// otherwise run twice, and which endpoint "wins" would depend on configuration order.
public struct RoutingRule: Sendable, CustomStringConvertible {
    enum Target: Sendable {
        case type(TypeKey)
        case module(ObjectIdentifier, name: String, events: Bool, requests: Bool)
    }

    let target: Target
    /// The name of the endpoint the rule sends handlers to.
    public let endpoint: String

    /// The rule as the code that makes it, such as `route(OrderPlaced).to("notifications")`.
    public var description: String {
        switch target {
        case .type(let key): "route(\(key.name)).to(\"\(endpoint)\")"
        case .module(_, let name, let events, let requests):
            "routeModule(\(name)).\(events && requests ? "to" : events ? "eventsTo" : "requestsTo")(\"\(endpoint)\")"
        }
    }
}

/// Starts a per-type route: `route(OrderPlaced.self).to("notifications")`.
public func route<M: IMessage>(_ type: M.Type) -> TypeRoute { TypeRoute(key: TypeKey(type)) }

/// Starts a module route: `routeModule(AnalyticsModule.self).eventsTo("analytics")`.
public func routeModule(_ module: any Module.Type) -> ModuleRoute {
    ModuleRoute(id: ObjectIdentifier(module), name: String(describing: module))
}

/// A per-type route waiting for its endpoint; finish it with ``to(_:)``.
public struct TypeRoute: Sendable {
    let key: TypeKey
    /// Routes every handler of the message type, from every module, to `endpoint`. For a request,
    /// `send` goes to the endpoint; `invoke` always runs inline.
    public func to(_ endpoint: String) -> RoutingRule { RoutingRule(target: .type(key), endpoint: endpoint) }
}

/// A module route waiting for its endpoint; finish it with ``eventsTo(_:)``, ``requestsTo(_:)`` or
/// ``to(_:)``.
public struct ModuleRoute: Sendable {
    let id: ObjectIdentifier
    let name: String
    /// Routes the module's event handlers.
    public func eventsTo(_ endpoint: String) -> RoutingRule {
        RoutingRule(target: .module(id, name: name, events: true, requests: false), endpoint: endpoint)
    }
    /// Routes the module's request handlers (for `send`).
    public func requestsTo(_ endpoint: String) -> RoutingRule {
        RoutingRule(target: .module(id, name: name, events: false, requests: true), endpoint: endpoint)
    }
    /// Routes all of the module's handlers.
    public func to(_ endpoint: String) -> RoutingRule {
        RoutingRule(target: .module(id, name: name, events: true, requests: true), endpoint: endpoint)
    }
}
