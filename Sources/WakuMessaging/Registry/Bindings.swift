import Waku

/// One `bindRequest` call, before merging.
struct RequestBinding: Sendable {
    let message: TypeKey
    let handler: TypeKey
    let behaviors: [BehaviorReference]
    /// Registered in the binding module: always for the autowired form, otherwise only when
    /// no module provides the handler and it is ``Injectable``.
    let provider: Provider?
    let isAutowired: Bool
    let makePlan: @Sendable (_ behaviors: [BehaviorReference], _ module: String, _ endpoint: String?) -> AnyRequestPlan
}

/// One handler of one `bindEvent` call, before merging.
struct EventHandlerBinding: Sendable {
    let message: TypeKey
    let handler: TypeKey
    let provider: Provider?
    let isAutowired: Bool
    /// Builds the typed entry (an `EventHandlerEntry<E>`) once the event's behaviors are merged.
    let makeEntry: @Sendable (_ behaviors: [BehaviorReference], _ module: String, _ endpoint: String?) -> AnyObject
}

/// One `bindEvent` call, before merging.
struct EventBinding: Sendable {
    let message: TypeKey
    let handlers: [EventHandlerBinding]
    let behaviors: [BehaviorReference]
    /// Builds the `EventPlan<E>` from the merged entries of every module.
    let makePlan: @Sendable (_ entries: [AnyObject]) -> AnyEventPlan
}

extension RequestBinding {
    static func make<R: IRequest, H: RequestHandler>(
        _ request: R.Type, _ handler: H.Type, behaviors: [any IPipelineBehavior.Type], provider: Provider?
    ) -> RequestBinding where H.Request == R {
        RequestBinding(
            message: TypeKey(R.self), handler: TypeKey(H.self), behaviors: behaviors.map(BehaviorReference.init),
            provider: provider ?? injectableProvider(for: H.self), isAutowired: provider != nil,
            makePlan: { behaviors, module, endpoint in
                RequestPlan<R>(
                    handlerName: TypeKey(H.self).name, module: module, behaviors: behaviors, endpoint: endpoint,
                    handle: { request, container in
                        let handler = try await container.get(H.self)
                        return try await handler.handle(request)
                    })
            })
    }
}

extension EventHandlerBinding {
    static func make<E: IEvent, H: EventHandler>(_ event: E.Type, _ handler: H.Type, provider: Provider?) -> EventHandlerBinding
    where H.Event == E {
        EventHandlerBinding(
            message: TypeKey(E.self), handler: TypeKey(H.self),
            provider: provider ?? injectableProvider(for: H.self), isAutowired: provider != nil,
            makeEntry: { behaviors, module, endpoint in
                EventHandlerEntry<E>(
                    handler: TypeKey(H.self), module: module, behaviors: behaviors, endpoint: endpoint,
                    run: { event, container in
                        let handler = try await container.get(H.self)
                        try await handler.handle(event)
                    })
            })
    }
}

extension EventBinding {
    static func make<E: IEvent>(_ event: E.Type, handlers: [EventHandlerBinding], behaviors: [any IPipelineBehavior.Type]) -> EventBinding {
        EventBinding(
            message: TypeKey(E.self), handlers: handlers, behaviors: behaviors.map(BehaviorReference.init),
            makePlan: { entries in
                // Every entry for key E was built by an `EventHandlerBinding` for E.
                EventPlan<E>(entries: entries.compactMap { $0 as? EventHandlerEntry<E> })
            })
    }
}
