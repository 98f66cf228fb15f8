import Waku

/// The routing rules of ``MessagingConfig``, checked and indexed for the aggregator.
struct RouteTable {
    private var byType: [TypeKey: String] = [:]
    private var typeOrder: [TypeKey] = []
    private var byModule: [ObjectIdentifier: (name: String, events: String?, requests: String?)] = [:]
    private var moduleOrder: [ObjectIdentifier] = []
    private(set) var issues: [StartupIssue] = []

    init(config: MessagingConfig, owner: String) {
        let known = config.endpointNames
        for rule in config.routing {
            guard known.contains(rule.endpoint) else {
                issues.append(StartupIssue(
                    kind: .routing,
                    message: "\(rule) routes to endpoint '\(rule.endpoint)', which is not configured"
                        + (known.isEmpty ? " (no endpoints are configured)." : " (configured: \(known.sorted().joined(separator: ", "))")
                        + (known.isEmpty ? "" : ")."),
                    modules: [owner], subject: rule.endpoint,
                    fix: "Add `.localQueue(\"\(rule.endpoint)\")` to MessagingConfig.endpoints, or fix the endpoint name."))
                continue
            }
            switch rule.target {
            case .type(let key):
                if let existing = byType[key], existing != rule.endpoint {
                    issues.append(conflict("message type \(key)", existing, rule.endpoint, owner: owner, types: [key]))
                    continue
                }
                if byType[key] == nil { typeOrder.append(key) }
                byType[key] = rule.endpoint
            case .module(let id, let name, let events, let requests):
                var entry = byModule[id] ?? (name, nil, nil)
                if byModule[id] == nil { moduleOrder.append(id) }
                if events {
                    if let existing = entry.events, existing != rule.endpoint {
                        issues.append(conflict("the events of module \(name)", existing, rule.endpoint, owner: owner))
                    } else {
                        entry.events = rule.endpoint
                    }
                }
                if requests {
                    if let existing = entry.requests, existing != rule.endpoint {
                        issues.append(conflict("the requests of module \(name)", existing, rule.endpoint, owner: owner))
                    } else {
                        entry.requests = rule.endpoint
                    }
                }
                byModule[id] = entry
            }
        }
    }

    private func conflict(_ what: String, _ first: String, _ second: String, owner: String, types: [TypeKey] = []) -> StartupIssue {
        StartupIssue(
            kind: .routing,
            message: "\(what) is routed to two endpoints, '\(first)' and '\(second)'. Each handler runs on one endpoint.",
            modules: [owner], subject: what, types: types,
            fix: "Keep one route for \(what); to process a message in two places, bind two handlers and route them separately.")
    }

    /// A per-type route wins over a module route, whatever their order in the configuration.
    func endpoint(forEvent key: TypeKey, module: ModuleMetadata) -> String? {
        byType[key] ?? byModule[module.identity.type]?.events
    }

    func endpoint(forRequest key: TypeKey, module: ModuleMetadata) -> String? {
        byType[key] ?? byModule[module.identity.type]?.requests
    }

    /// Routes that match nothing: a type with no handlers, a module that binds no handlers.
    func unusedRouteIssues(boundTypes: Set<TypeKey>, bindingModules: [ObjectIdentifier: (events: Bool, requests: Bool)], owner: String) -> [StartupIssue] {
        var issues: [StartupIssue] = []
        for key in typeOrder where !boundTypes.contains(key) {
            issues.append(StartupIssue(
                kind: .routing,
                message: "route(\(key).self) names a message type that has no handlers in any module.",
                modules: [owner], types: [key],
                fix: "Bind a handler for \(key) with MessagingExtension, or remove the route."))
        }
        for id in moduleOrder {
            guard let entry = byModule[id] else { continue }
            let bound = bindingModules[id]
            let missingEvents = entry.events != nil && !(bound?.events ?? false)
            let missingRequests = entry.requests != nil && !(bound?.requests ?? false)
            if missingEvents || missingRequests {
                issues.append(StartupIssue(
                    kind: .routing,
                    message: "routeModule(\(entry.name).self) routes \(missingEvents ? "events" : "requests") of a module that binds no such handlers"
                        + (bound == nil ? " (or is not part of the application)." : "."),
                    modules: [entry.name, owner], subject: entry.name,
                    fix: "Route a module that binds handlers with MessagingExtension, or remove the route."))
            }
        }
        return issues
    }
}
