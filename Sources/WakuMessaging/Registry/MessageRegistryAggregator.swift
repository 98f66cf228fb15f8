public import Waku
import Logging

/// Merges every module's ``MessagingExtension`` at start-up into one frozen ``MessageRegistry``.
///
/// It takes modules in start-up (topological) order, then bindings in bind order, so handlers
/// of one event bound in several modules all fire, in that order. It registers ``Injectable``
/// handlers and behaviors no module provides, and declares what each binding module needs so
/// start-up validation checks that handlers and behaviors exist and are visible where bound.
///
/// `MessagingModule.register(…)` installs it; you do not add it yourself.
public struct MessageRegistryAggregator: OnModuleRegistration {
    let config: MessagingConfig

    init(config: MessagingConfig) { self.config = config }

    private struct EventAccumulator {
        var binding: EventBinding
        var handlers: [(binding: EventHandlerBinding, module: ModuleMetadata)] = []
        var behaviors: [(reference: BehaviorReference, module: String)] = []
    }

    /// Merges the bindings of every module into the registry and reports binding and routing
    /// problems.
    public func onModuleRegistration(_ registry: ModuleRegistry, owningModule: ModuleIdentity?) throws {
        guard let owner = owningModule, let root = registry.root else { return }
        var provided = Set(registry.modules.flatMap { $0.providers.map(\.lookupKey) })
        // Requirements check that what a module binds is visible there. Only types some module
        // provides itself have a boundary: types registered here on a module's behalf
        // (Injectable, autowired) may be bound by any module, and unresolvable ones are reported
        // once, by `register`.
        let declared = provided
        func visibleWhereBound(_ keys: [TypeKey]) -> [TypeKey] { keys.filter(declared.contains) }

        // Global behaviors: resolved from the root module's point of view.
        var globals: [BehaviorReference] = []
        for behavior in config.pipelineBehaviors.map(BehaviorReference.init) {
            if globals.contains(where: { $0.key == behavior.key }) {
                registry.report(duplicateBehavior(behavior.key, message: "every message (MessagingConfig.pipelineBehaviors)", modules: [owner.description]))
                continue
            }
            globals.append(behavior)
            register(behavior.key, provider: behavior.injectableProvider, in: root, of: "pipeline behavior", for: "MessagingConfig",
                     registry: registry, provided: &provided)
        }
        if !globals.isEmpty {
            registry.addProvider(.requirement("global pipeline behaviors", dependencies: visibleWhereBound(globals.map(\.key))), to: root.identity)
        }

        let routes = RouteTable(config: config, owner: owner.description)
        for issue in routes.issues + endpointIssues(owner: owner.description) { registry.report(issue) }
        var boundTypes: Set<TypeKey> = []
        var bindingModules: [ObjectIdentifier: (events: Bool, requests: Bool)] = [:]

        var requestPlans: [AnyRequestPlan] = []
        var requestOwners: [TypeKey: String] = [:]
        var eventOrder: [TypeKey] = []
        var events: [TypeKey: EventAccumulator] = [:]

        for (module, messaging) in registry.extensions(ofType: MessagingExtension.self) {
            for binding in messaging.requests {
                if let first = requestOwners[binding.message] {
                    registry.report(StartupIssue(
                        kind: .messaging,
                        message: "Request \(binding.message) is bound twice: "
                            + (first == module.name ? "both in \(first)." : "in \(first) and in \(module.name).")
                            + " A request has exactly one handler.",
                        modules: [first, module.name], types: [binding.message],
                        fix: "Remove one of the bindRequest(\(binding.message).self, …) calls; use an event for fan-out."))
                    continue
                }
                requestOwners[binding.message] = module.name
                let behaviors = checkedBehaviors(binding.behaviors, message: binding.message, module: module, registry: registry, provided: &provided)
                register(binding, in: module, registry: registry, provided: &provided)
                registry.addProvider(
                    .requirement("binding \(binding.message) -> \(binding.handler)", dependencies: visibleWhereBound([binding.handler] + behaviors.map(\.key))),
                    to: module.identity)
                boundTypes.insert(binding.message)
                bindingModules[module.identity.type, default: (false, false)].requests = true
                requestPlans.append(binding.makePlan(PlanContext(
                    behaviors: globals + behaviors, module: module.name,
                    endpoint: routes.endpoint(forRequest: binding.message, module: module), typeName: name(of: binding.message, default: binding.messageName))))
            }
            for binding in messaging.events {
                if binding.handlers.isEmpty {
                    registry.report(StartupIssue(
                        kind: .messaging,
                        message: "Module \(module.name) calls bindEvent(\(binding.message).self, []) with an empty handler list.",
                        modules: [module.name], types: [binding.message],
                        fix: "List at least one handler type, or remove the binding."))
                }
                if events[binding.message] == nil {
                    eventOrder.append(binding.message)
                    events[binding.message] = EventAccumulator(binding: binding)
                }
                for handler in binding.handlers {
                    if let existing = events[binding.message]?.handlers.first(where: { $0.binding.handler == handler.handler }) {
                        registry.report(StartupIssue(
                            kind: .messaging,
                            message: "Handler \(handler.handler) is bound twice to event \(binding.message) "
                                + "(\(existing.module.name == module.name ? "both in \(module.name)" : "in \(existing.module.name) and \(module.name)")).",
                            modules: unique([existing.module.name, module.name]), types: [handler.handler, binding.message],
                            fix: "Bind \(handler.handler) to \(binding.message) once."))
                        continue
                    }
                    events[binding.message]?.handlers.append((handler, module))
                    boundTypes.insert(binding.message)
                    bindingModules[module.identity.type, default: (false, false)].events = true
                    register(handler, in: module, registry: registry, provided: &provided)
                    registry.addProvider(
                        .requirement("binding \(binding.message) -> \(handler.handler)", dependencies: visibleWhereBound([handler.handler])), to: module.identity)
                }
                for behavior in binding.behaviors {
                    if let existing = events[binding.message]?.behaviors.first(where: { $0.reference.key == behavior.key }) {
                        registry.report(duplicateBehavior(behavior.key, message: binding.message.name, modules: unique([existing.module, module.name])))
                        continue
                    }
                    events[binding.message]?.behaviors.append((behavior, module.name))
                    register(behavior.key, provider: behavior.injectableProvider, in: module, of: "pipeline behavior",
                             for: binding.message.name, registry: registry, provided: &provided)
                    registry.addProvider(
                        .requirement("behavior \(behavior.key) on \(binding.message)", dependencies: visibleWhereBound([behavior.key])), to: module.identity)
                }
            }
        }

        let eventPlans: [EventPlan] = eventOrder.compactMap { key in
            guard let accumulated = events[key] else { return nil }
            let behaviors = globals + accumulated.behaviors.map(\.reference)
            let typeName = name(of: key, default: accumulated.binding.messageName)
            let handlers = accumulated.handlers.map {
                $0.binding.makeInvoker(PlanContext(
                    behaviors: behaviors, module: $0.module.name, endpoint: routes.endpoint(forEvent: key, module: $0.module),
                    typeName: typeName))
            }
            return EventPlan(messageID: key.id, typeName: typeName, handlers: handlers)
        }
        for issue in routes.unusedRouteIssues(boundTypes: boundTypes, bindingModules: bindingModules, owner: owner.description) {
            registry.report(issue)
        }
        let messageRegistry = MessageRegistry(requestPlans: requestPlans, eventPlans: eventPlans)
        registry.addProvider(object(messageRegistry), to: owner)
        let invokers = requestPlans.map(\.invoker) + eventPlans.flatMap(\.handlers)
        for issue in durableIssues(invokers, owner: owner.description) {
            registry.report(issue)
        }
        let logger = config.logger ?? registry.logger
        let endpoints: [any Endpoint] = config.endpoints.map { endpoint -> any Endpoint in
            if endpoint.isDurable, let store = config.durableStore {
                return DurableEndpoint(endpoint, store: store, logger: logger)
            }
            return LocalQueueEndpoint(endpoint, logger: logger)
        } + config.customEndpoints
        registry.addProvider(
            object(MessagingRuntime(
                endpoints: endpoints, deadLetters: config.deadLetterStore, invokers: invokers,
                durableStore: config.durableStore, logger: logger,
                telemetry: MessagingTelemetry(tracer: config.tracer, metricsFactory: config.metricsFactory))),
            to: owner)
    }

    /// A ``MessagingConfig/messageNames`` override, else the type's own stable name.
    private func name(of key: TypeKey, default defaultName: String) -> String {
        config.messageNames.last(where: { $0.type == key.id })?.name ?? defaultName
    }

    /// Durable endpoints need a store and `Codable` messages with unique stable names.
    private func durableIssues(_ invokers: [HandlerInvoker], owner: String) -> [StartupIssue] {
        var issues: [StartupIssue] = []
        let durable = Set(config.endpoints.filter(\.isDurable).map(\.name))
        if !durable.isEmpty, config.durableStore == nil {
            issues.append(StartupIssue(
                kind: .routing,
                message: "Durable endpoint(s) \(durable.sorted().joined(separator: ", ")) are configured without a durable store.",
                modules: [owner], subject: durable.sorted().first,
                fix: "Pass `durableStore:` to MessagingConfig, e.g. `SQLiteDurableStore(path: \"waku.sqlite\")` from WakuSQLite."))
        }
        var reported: Set<String> = []
        for target in invokers {
            guard let endpoint = target.endpoint, durable.contains(endpoint), target.codec == nil,
                  reported.insert(target.messageType).inserted else { continue }
            issues.append(StartupIssue(
                kind: .routing,
                message: "\(target.messageType) is routed to durable endpoint '\(endpoint)' but is not Codable, so it cannot be stored.",
                modules: [target.module, owner], subject: target.messageType,
                types: [TypeKey(id: target.messageID, name: target.messageType), target.handler],
                fix: "Make \(target.messageType) conform to Codable, or route it to a local queue."))
        }
        var names: [String: ObjectIdentifier] = [:]
        for target in invokers {
            if let existing = names[target.messageType], existing != target.messageID {
                issues.append(StartupIssue(
                    kind: .routing,
                    message: "Two message types share the stable name '\(target.messageType)'.",
                    modules: [owner], subject: target.messageType,
                    types: [TypeKey(id: existing, name: target.messageType), TypeKey(id: target.messageID, name: target.messageType)],
                    fix: "Give one of them another name with NamedMessage or MessagingConfig.messageNames."))
            }
            names[target.messageType] = target.messageID
        }
        return issues
    }

    /// Endpoint settings that cannot work.
    private func endpointIssues(owner: String) -> [StartupIssue] {
        var issues: [StartupIssue] = []
        var seen: Set<String> = []
        for name in config.endpoints.map(\.name) + config.customEndpoints.map(\.name) where !seen.insert(name).inserted {
            issues.append(StartupIssue(
                kind: .routing, message: "Endpoint '\(name)' is configured twice.", modules: [owner], subject: name,
                fix: "Give each endpoint a unique name."))
        }
        for endpoint in config.endpoints {
            if endpoint.concurrency < 1 || endpoint.capacity < 1 || endpoint.errorPolicy.maxRetries < 0 {
                issues.append(StartupIssue(
                    kind: .routing,
                    message: "Endpoint '\(endpoint.name)' has concurrency \(endpoint.concurrency), capacity \(endpoint.capacity) "
                        + "and maxRetries \(endpoint.errorPolicy.maxRetries); concurrency and capacity must be at least 1, maxRetries at least 0.",
                    modules: [owner], subject: endpoint.name,
                    fix: "Use positive numbers in `.localQueue(\"\(endpoint.name)\", concurrency:capacity:)`."))
            }
            if endpoint.ordered, endpoint.isDurable || endpoint.concurrency != 1 {
                issues.append(StartupIssue(
                    kind: .routing,
                    message: endpoint.isDurable
                        ? "Durable endpoint '\(endpoint.name)' is marked ordered; durable endpoints keep order per group key instead."
                        : "Endpoint '\(endpoint.name)' is ordered with concurrency \(endpoint.concurrency); strict order needs a single worker.",
                    modules: [owner], subject: endpoint.name,
                    fix: endpoint.isDurable
                        ? "Order durable deliveries with `partitionBy:` or `DeliveryOptions(groupId:)`, and leave `ordered` false."
                        : "Use `.localQueue(\"\(endpoint.name)\", ordered: true)`, which has one worker."))
            }
        }
        return issues
    }

    private func checkedBehaviors(
        _ behaviors: [BehaviorReference], message: TypeKey, module: ModuleMetadata, registry: ModuleRegistry,
        provided: inout Set<TypeKey>
    ) -> [BehaviorReference] {
        var result: [BehaviorReference] = []
        for behavior in behaviors {
            if result.contains(where: { $0.key == behavior.key }) {
                registry.report(duplicateBehavior(behavior.key, message: message.name, modules: [module.name]))
                continue
            }
            result.append(behavior)
            register(behavior.key, provider: behavior.injectableProvider, in: module, of: "pipeline behavior", for: message.name,
                     registry: registry, provided: &provided)
        }
        return result
    }

    private func register(_ binding: RequestBinding, in module: ModuleMetadata, registry: ModuleRegistry, provided: inout Set<TypeKey>) {
        if binding.isAutowired, let provider = binding.provider {
            registry.addProvider(provider, to: module.identity)
            provided.insert(provider.key)
            return
        }
        register(binding.handler, provider: binding.provider, in: module, of: "handler", for: binding.message.name,
                 autowiredBinding: "bindRequest(\(binding.message.metatypeExpression), \(binding.handler.swiftName).init)",
                 registry: registry, provided: &provided)
    }

    private func register(_ binding: EventHandlerBinding, in module: ModuleMetadata, registry: ModuleRegistry, provided: inout Set<TypeKey>) {
        if binding.isAutowired, let provider = binding.provider {
            registry.addProvider(provider, to: module.identity)
            provided.insert(provider.key)
            return
        }
        register(binding.handler, provider: binding.provider, in: module, of: "handler", for: binding.message.name,
                 autowiredBinding: "bindEvent(\(binding.message.metatypeExpression), \(binding.handler.swiftName).init)",
                 registry: registry, provided: &provided)
    }

    /// Ensures a type listed by type can be resolved: provided by some module, or `Injectable`.
    private func register(
        _ key: TypeKey, provider: Provider?, in module: ModuleMetadata, of role: String, for message: String,
        autowiredBinding: String? = nil, registry: ModuleRegistry, provided: inout Set<TypeKey>
    ) {
        if provided.contains(key) { return }
        if let provider {
            registry.addProvider(provider, to: module.identity)
            provided.insert(key)
            return
        }
        // Only handlers have an autowired binding form; behaviors are listed by type.
        let autowired = autowiredBinding.map { ", or bind it with the autowired form (`\($0)`)" } ?? ""
        registry.report(StartupIssue(
            kind: .messaging,
            message: "The \(role) \(key) for \(message) in module \(module.name) cannot be resolved: no module provides it "
                + "and it does not conform to Injectable.",
            modules: [module.name], types: [key],
            fix: "Add `\(key.providerExpression)` to \(module.name)'s providers, or conform \(key.swiftName) to Injectable\(autowired)."))
        provided.insert(key)  // report once
    }

    private func duplicateBehavior(_ key: TypeKey, message: String, modules: [String]) -> StartupIssue {
        StartupIssue(
            kind: .messaging,
            message: "Pipeline behavior \(key) is bound twice to \(message) (in \(modules.joined(separator: " and "))).",
            modules: modules, types: [key],
            fix: "List \(key) once for \(message).")
    }

    private func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}
