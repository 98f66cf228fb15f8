import Waku

/// One `bindRequest` call, before merging.
struct RequestBinding: Sendable {
    let message: TypeKey
    /// The type's stable name before config overrides.
    let messageName: String
    let handler: TypeKey
    let behaviors: [BehaviorReference]
    /// Registered in the binding module: always for the autowired form, otherwise only when
    /// no module provides the handler and it is ``Injectable``.
    let provider: Provider?
    let isAutowired: Bool
    let makePlan: @Sendable (PlanContext) -> AnyRequestPlan
}

/// One handler of one `bindEvent` call, before merging.
struct EventHandlerBinding: Sendable {
    let message: TypeKey
    let handler: TypeKey
    let provider: Provider?
    let isAutowired: Bool
    /// Builds the handler's invoker once the event's behaviors are merged.
    let makeInvoker: @Sendable (PlanContext) -> HandlerInvoker
}

/// One `bindEvent` call, before merging.
struct EventBinding: Sendable {
    let message: TypeKey
    /// The type's stable name before config overrides.
    let messageName: String
    let handlers: [EventHandlerBinding]
    let behaviors: [BehaviorReference]
}

/// What the aggregator decided for one binding once every module was merged.
struct PlanContext: Sendable {
    let behaviors: [BehaviorReference]
    let module: String
    /// The endpoint the handler is routed to; `nil` runs it inline.
    let endpoint: String?
    /// The message type's stable name.
    let typeName: String
}

extension RequestBinding {
    /// `handle` resolves the handler and calls it; callers pass one built where `H` is concrete
    /// (the inlinable `bindRequest` overloads), so it runs specialized. Not optional: an optional
    /// closure is stored maximally abstracted, and each dispatch would pay two more thunks.
    static func make<R: IRequest, H: RequestHandler>(
        _ request: R.Type, _ handler: H.Type, behaviors: [any IPipelineBehavior.Type], provider: Provider?,
        handle: @escaping @Sendable (R, Container) async throws -> R.Response
    ) -> RequestBinding where H.Request == R {
        RequestBinding(
            message: TypeKey(R.self), messageName: MessageTypeName.resolve(R.self, overrides: [:]), handler: TypeKey(H.self), behaviors: behaviors.map(BehaviorReference.init),
            provider: provider ?? injectableProvider(for: H.self), isAutowired: provider != nil,
            makePlan: { context in
                RequestPlan<R>(handler: TypeKey(H.self), context: context, handle: handle) { message, container in
                    try await H._resolveAndHandle(message: message, in: container)
                }
            })
    }

    /// A handler bound by type: resolved through the container here, generically.
    static func make<R: IRequest, H: RequestHandler>(
        _ request: R.Type, _ handler: H.Type, behaviors: [any IPipelineBehavior.Type], provider: Provider?
    ) -> RequestBinding where H.Request == R {
        make(request, handler, behaviors: behaviors, provider: provider) { request, container in
            try await H._resolveAndHandle(request, in: container)
        }
    }
}

extension EventHandlerBinding {
    /// The handler's invoker calls `H._resolveAndHandle(message:in:)`, which casts and resolves
    /// specialized where `H` is declared. `provider` is the autowired form's; `nil` uses the
    /// module's own, or the one an ``Injectable`` handler brings.
    static func make<E: IEvent, H: EventHandler>(_ event: E.Type, _ handler: H.Type, provider: Provider?) -> EventHandlerBinding
    where H.Event == E {
        EventHandlerBinding(
            message: TypeKey(E.self), handler: TypeKey(H.self),
            provider: provider ?? injectableProvider(for: H.self), isAutowired: provider != nil,
            makeInvoker: { context in
                HandlerInvoker(E.self, handler: TypeKey(H.self), context: context) { message, container in
                    try await H._resolveAndHandle(message: message, in: container)
                }
            })
    }
}

extension EventBinding {
    static func make<E: IEvent>(_ event: E.Type, handlers: [EventHandlerBinding], behaviors: [any IPipelineBehavior.Type]) -> EventBinding {
        EventBinding(
            message: TypeKey(E.self), messageName: MessageTypeName.resolve(E.self, overrides: [:]), handlers: handlers,
            behaviors: behaviors.map(BehaviorReference.init))
    }
}
