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
        let envelope = MessageContext.envelope(for: request, typeName: plan.typeName)
        let container = self.container
        guard plan.messageID == ObjectIdentifier(R.self) else {
            // The request is of a subclass of R, bound on its own: its plan answers, type-erased.
            let response = try await runInline(plan.invoker, envelope, verb: "invoke") { context in
                try await plan.respondErased(request, context: context, container: container)
            }
            guard let typed = response as? R.Response else {
                throw ResponseTypeMismatch(messageType: plan.typeName, expected: MessageTypeName.of(R.Response.self))
            }
            return typed
        }
        // The plan for R's own type is a RequestPlan<R>.
        let typed = unsafeDowncast(plan, to: RequestPlan<R>.self)
        guard !runtime.layers.isBare || plan.hasBehaviors else {
            // Nothing to trace, observe or wrap: the handler in the message's context, and no
            // closure layer between (each costs an async frame).
            return try await MessageContext.with(MessageContext(envelope: envelope)) { try await typed.handle(request, container) }
        }
        return try await runInline(plan.invoker, envelope, verb: "invoke") { context in
            try await typed.respond(request, context: context, container: container)
        }
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

    // Inlined into `publish(_:)`: each async layer costs a dispatch two executor checks.
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
        let layers = runtime.layers
        guard !layers.isBare else { return try await deliver(plan, envelope: envelope, options: options) }
        try await layers.dispatch(envelope, verb: "publish") { envelope in
            try await deliver(plan, envelope: envelope, options: options)
        }
    }

    /// Runs one handler inline with `envelope`'s context current: bare, or inside the dispatch's
    /// and the handler's layers (spans, observer reports) when they are there.
    @inline(__always)
    private func runInline<T>(
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

    /// Runs the inline handlers in registration order with the dispatch's context current, then
    /// enqueues one delivery per routed handler.
    @inline(__always)
    private func deliver(_ plan: EventPlan, envelope: MessageEnvelope, options: DeliveryOptions) async throws {
        let container = self.container
        let layers = runtime.layers
        let isBare = layers.isBare
        let context = MessageContext(envelope: envelope)
        try await MessageContext.with(context) {
            for handler in plan.handlers where handler.endpoint == nil {
                guard !isBare else {
                    try await handler.run(envelope.payload, context: context, container: container)
                    continue
                }
                try await layers.handler(envelope, handler: handler.handlerName, endpoint: nil) {
                    try await handler.run(envelope.payload, context: context, container: container)
                }
            }
        }
        for handler in plan.handlers {
            guard let endpoint = handler.endpoint else { continue }
            try await runtime.enqueue(Delivery(
                envelope: envelope, target: handler, endpoint: endpoint, options: options, enqueuedAt: envelope.timestamp))
        }
    }

    /// Enqueues one delivery per routed handler of a message that runs nothing inline.
    @inline(__always)
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
            for handler in handlers {
                guard let endpoint = handler.endpoint else { continue }
                try await runtime.enqueue(Delivery(
                    envelope: envelope, target: handler, endpoint: endpoint, options: options, enqueuedAt: envelope.timestamp))
            }
        }
    }
}
