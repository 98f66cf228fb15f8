import Waku

/// Adds message flow to ``WakuApplication/describe()``: every bound request and event, each
/// handler with the module that binds it, and the route it takes (inline, or the endpoint's name
/// and whether it is durable or a local queue).
///
/// `MessagingModule.register(…)` installs it; you do not add it yourself.
struct MessageFlowDescription: ApplicationDescriptionContributor {
    func contribute(to description: inout ApplicationDescription, app: WakuApplication) {
        guard let registry = app.container.registeredInstance(MessageRegistry.self) else { return }
        let endpoints = app.container.registeredInstance(MessagingRuntime.self)?.endpoints ?? [:]
        let names = Self.readableNames(app.modules)
        // `routes` lists requests, then events, in the registry's order; pair each with its type
        // to draw the readable Swift name rather than the stable (module-qualified) one.
        let messageIDs = registry.requestOrder.filter { registry.requestPlans[$0] != nil }
            + registry.eventOrder.filter { registry.eventPlans[$0] != nil }
        let routes = registry.routes
        description.flows += routes.indices.map { index in
            let route = routes[index]
            let name = messageIDs.count == routes.count ? names[messageIDs[index]] : nil
            return ApplicationDescription.Flow(
                name: name ?? route.messageType, kind: route.isEvent ? "event" : "request",
                handlers: route.handlers.map { handler in
                    ApplicationDescription.FlowHandler(
                        handler: handler.handler, module: handler.module,
                        route: handler.endpoint.map { Self.route(to: $0, endpoints: endpoints) } ?? .inline)
                })
        }
    }

    /// Every bound message type's readable name (`OrderPlaced`), from the modules' bindings.
    static func readableNames(_ modules: [ModuleMetadata]) -> [ObjectIdentifier: String] {
        var names: [ObjectIdentifier: String] = [:]
        for case let messaging as MessagingExtension in modules.flatMap(\.extensions) {
            for key in messaging.requests.map(\.message) + messaging.events.map(\.message) {
                names[key.id] = key.name
            }
        }
        return names
    }

    /// The route to a named endpoint, with its kind: `durable`, `local queue`, or a custom
    /// endpoint's type name.
    static func route(to name: String, endpoints: [String: any Endpoint]) -> ApplicationDescription.FlowRoute {
        switch endpoints[name] {
        case is DurableEndpoint:
            .endpoint(name, kind: "durable", style: .durable)
        case is LocalQueueEndpoint:
            .endpoint(name, kind: "local queue", style: .queued)
        case let endpoint?:
            .endpoint(name, kind: String(describing: type(of: endpoint)), style: .queued)
        case nil:
            .endpoint(name, kind: "endpoint", style: .queued)
        }
    }
}
