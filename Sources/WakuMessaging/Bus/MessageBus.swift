public import Waku
import Foundation

/// The bus of one request scope: resolves handlers and behaviors from that scope.
///
/// Dispatch is by the exact runtime type of the message: a handler bound to a protocol or a
/// superclass does not receive conforming types or subclasses.
public final class MessageBus: IMessageBus {
    let container: Container
    let registry: MessageRegistry
    let runtime: MessagingRuntime

    /// A bus for the request scope `container`; `MessagingModule` already provides one per scope.
    public init(container: Container, registry: MessageRegistry, runtime: MessagingRuntime) {
        self.container = container
        self.registry = registry
        self.runtime = runtime
    }

    public func invoke<R: IRequest>(_ request: R) async throws -> R.Response {
        guard let plan = registry.requestPlans[ObjectIdentifier(type(of: request))] else {
            throw RequestHandlerNotFound(messageType: MessageTypeName.of(type(of: request)))
        }
        guard plan.messageID == ObjectIdentifier(R.self) else { return try await invokeSubtype(request, plan: plan) }
        // The plan for R's own type is a RequestPlan<R>.
        let typed = unsafeDowncast(plan, to: RequestPlan<R>.self)
        let envelope = MessageContext.envelope(for: request, typeName: plan.typeName)
        guard runtime.layers.isBare, !plan.hasBehaviors else { return try await invokeLayered(request, plan: typed, envelope: envelope) }
        // Nothing to trace, observe or wrap: the handler, in the message's context.
        let container = self.container
        return try await MessageContext.with(MessageContext(envelope: envelope)) { try await typed.handle(request, container) }
    }

    /// Routed requests go to their endpoint and nothing runs inline; others run inline and the
    /// response is discarded.
    public func send<R: IRequest>(_ request: R) async throws {
        try await send(request, options: .none)
    }

    public func send<R: IRequest>(_ request: R, options: DeliveryOptions) async throws {
        guard let plan = registry.requestPlans[ObjectIdentifier(type(of: request))] else {
            throw RequestHandlerNotFound(messageType: MessageTypeName.of(type(of: request)))
        }
        guard plan.invoker.endpoint != nil else {
            _ = try await invoke(request)
            return
        }
        try await route(request, typeName: plan.typeName, to: [plan.invoker], verb: "send", options: options)
    }

    /// Runs inline handlers first, sequentially in registration order, then enqueues one delivery
    /// per routed handler.
    public func publish<E: IEvent>(_ event: E) async throws {
        try await publish(event, options: .none)
    }

    // Inlined into `publish(_:)`: each async layer costs a dispatch an async frame and an executor check.
    @inline(__always)
    public func publish<E: IEvent>(_ event: E, options: DeliveryOptions) async throws {
        guard let plan = registry.eventPlans[ObjectIdentifier(type(of: event))] else {
            // No handlers: a no-op, but observers still see that it was published.
            runtime.observe { observer in
                observer.dispatchStarted(MessageContext.envelope(
                    for: event, typeName: MessageTypeName.of(type(of: event)), headers: options.headers))
            }
            return
        }
        guard plan.hasInline else {
            return try await route(event, typeName: plan.typeName, to: plan.handlers, verb: "publish", options: options)
        }
        let envelope = MessageContext.envelope(for: event, typeName: plan.typeName, headers: options.headers)
        guard runtime.layers.isBare else { return try await publishLayered(plan, envelope: envelope, options: options) }
        // Nothing to trace or observe: the inline handlers in the message's context, then the
        // routed ones' deliveries.
        let container = self.container
        let context = MessageContext(envelope: envelope)
        try await MessageContext.with(context) {
            for handler in plan.handlers where handler.endpoint == nil {
                try await handler.run(envelope.payload, context: context, container: container)
            }
        }
        if plan.hasRouted { try await enqueueRouted(plan.handlers, envelope: envelope, options: options) }
    }

    // The paths below are not inlined: a dispatch's async frame holds the locals of every path
    // inlined into it, and past about 900 bytes the task's first slab no longer fits it, so
    // each dispatch would allocate one. They run only with a tracer, observers or behaviors, for
    // a subtype, or for routed handlers.

    /// `invoke` of a request whose static type is a superclass of its runtime type, bound on its
    /// own: its plan answers, type-erased.
    @inline(never)
    private func invokeSubtype<R: IRequest>(_ request: R, plan: AnyRequestPlan) async throws -> R.Response {
        let envelope = MessageContext.envelope(for: request, typeName: plan.typeName)
        let container = self.container
        let response = try await runLayered(plan.invoker, envelope, verb: "invoke") { context in
            try await plan.respondErased(request, context: context, container: container)
        }
        guard let typed = response as? R.Response else {
            throw ResponseTypeMismatch(messageType: plan.typeName, expected: MessageTypeName.of(R.Response.self))
        }
        return typed
    }

    /// `invoke` with behaviors, a tracer or observers around the handler.
    @inline(never)
    private func invokeLayered<R: IRequest>(_ request: R, plan: RequestPlan<R>, envelope: MessageEnvelope) async throws -> R.Response {
        let container = self.container
        return try await runLayered(plan.invoker, envelope, verb: "invoke") { context in
            try await plan.respond(request, context: context, container: container)
        }
    }

    /// Runs one handler inline with `envelope`'s context current, inside the dispatch's and the
    /// handler's layers (spans, observer reports) when they are there.
    private func runLayered<T>(
        _ invoker: HandlerInvoker, _ envelope: MessageEnvelope, verb: String, _ body: (MessageContext) async throws -> T
    ) async throws -> T {
        let layers = runtime.layers
        guard !layers.isBare else {
            let context = MessageContext(envelope: envelope)
            return try await MessageContext.with(context) { try await body(context) }
        }
        return try await layers.dispatch(envelope, verb: verb) { envelope in
            let context = MessageContext(envelope: envelope)
            return try await MessageContext.with(context) {
                try await layers.handler(envelope, handler: invoker.handlerName, endpoint: nil) { try await body(context) }
            }
        }
    }

    /// `publish` with a tracer or observers: the dispatch's layers around everything, and each
    /// inline handler's around it.
    @inline(never)
    private func publishLayered(_ plan: EventPlan, envelope: MessageEnvelope, options: DeliveryOptions) async throws {
        let container = self.container
        let layers = runtime.layers
        try await layers.dispatch(envelope, verb: "publish") { envelope in
            let context = MessageContext(envelope: envelope)
            try await MessageContext.with(context) {
                for handler in plan.handlers where handler.endpoint == nil {
                    try await layers.handler(envelope, handler: handler.handlerName, endpoint: nil) {
                        try await handler.run(envelope.payload, context: context, container: container)
                    }
                }
            }
            if plan.hasRouted { try await enqueueRouted(plan.handlers, envelope: envelope, options: options) }
        }
    }

    /// One delivery per routed handler, carrying `envelope`.
    @inline(never)
    private func enqueueRouted(_ handlers: [HandlerInvoker], envelope: MessageEnvelope, options: DeliveryOptions) async throws {
        for handler in handlers {
            guard let endpoint = handler.endpoint else { continue }
            try await runtime.enqueue(Delivery(
                envelope: envelope, target: handler, endpoint: endpoint, options: options, enqueuedAt: envelope.timestamp))
        }
    }

    /// Enqueues one delivery per routed handler of a message that runs nothing inline.
    @inline(never)
    private func route(
        _ message: any IMessage, typeName: String, to handlers: [HandlerInvoker], verb: String, options: DeliveryOptions
    ) async throws {
        let layers = runtime.layers
        guard !layers.isBare else {
            // Nothing to trace or observe: nothing here needs the envelope, so each worker task
            // builds its own (see `Delivery(fields:…)`). Built here, its storage would usually
            // be freed on a worker's thread, and with glibc a free across threads takes the
            // allocator's lock on both sides: at two cores, the largest cost of a routed message.
            let fields = MessageContext.fields(for: message)
            let timestamp = Date()
            for handler in handlers {
                guard let endpoint = handler.endpoint else { continue }
                try await runtime.enqueue(Delivery(fields: fields, timestamp: timestamp, target: handler, endpoint: endpoint, options: options))
            }
            return
        }
        let envelope = MessageContext.envelope(for: message, typeName: typeName, headers: options.headers)
        try await layers.dispatch(envelope, verb: verb) { envelope in
            try await enqueueRouted(handlers, envelope: envelope, options: options)
        }
    }
}
