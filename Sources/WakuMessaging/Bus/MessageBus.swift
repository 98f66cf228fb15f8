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
        if plan.messageID == ObjectIdentifier(R.self) {
            // The plan for R's own type is a RequestPlan<R>.
            return try await invoke(request, plan: unsafeDowncast(plan, to: RequestPlan<R>.self))
        }
        let response = try await plan.invokeErased(request, bus: self)
        guard let typed = response as? R.Response else {
            throw ResponseTypeMismatch(messageType: plan.typeName, expected: MessageTypeName.of(R.Response.self))
        }
        return typed
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
        guard let endpoint = plan.endpoint else {
            _ = try await invoke(request)
            return
        }
        if runtime.defersEnvelopes {
            // Nothing needs the envelope here: the worker builds it (see `Delivery(fields:…)`).
            return try await runtime.enqueue(Delivery(
                fields: MessageContext.fields(for: request), timestamp: Date(), target: plan.target, endpoint: endpoint,
                options: options))
        }
        let envelope = MessageContext.envelope(for: request, typeName: plan.typeName, headers: options.headers)
        runtime.observe { $0.dispatchStarted(envelope) }
        try await runtime.telemetry.dispatch(envelope, verb: "send") { envelope in
            try await runtime.enqueue(Delivery(
                envelope: envelope, target: plan.target, endpoint: endpoint, options: options, enqueuedAt: envelope.timestamp))
        }
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
        if plan.messageID == ObjectIdentifier(E.self) {
            try await publish(event, plan: unsafeDowncast(plan, to: EventPlan<E>.self), options: options)
        } else {
            try await plan.publishErased(event, bus: self, options: options)
        }
    }

    // Inlined into `invoke(_:)`: one async frame less per dispatch.
    @inline(__always)
    func invoke<R: IRequest>(_ request: R, plan: RequestPlan<R>) async throws -> R.Response {
        let envelope = MessageContext.envelope(for: request, typeName: plan.typeName)
        let container = self.container
        if plan.behaviors.isEmpty, runtime.telemetry.tracer == nil, !runtime.isObserved {
            // Nothing to trace, observe or wrap: skip those layers' async frames.
            return try await MessageContext.with(MessageContext(envelope: envelope)) {
                try await plan.handle(request, container)
            }
        }
        runtime.observe { $0.dispatchStarted(envelope) }
        return try await runtime.telemetry.dispatch(envelope, verb: "invoke") { envelope in
            let context = MessageContext(envelope: envelope)
            return try await MessageContext.with(context) {
                try await observed(context, handler: plan.handlerName) {
                    try await Pipeline.run(plan.behaviors, message: request, context: context, container: container) {
                        try await plan.handle(request, container)
                    }
                }
            }
        }
    }

    @inline(__always)
    func publish<E: IEvent>(_ event: E, plan: EventPlan<E>, options: DeliveryOptions) async throws {
        if !plan.hasInline, runtime.defersEnvelopes {
            // Only routed handlers, and nothing to trace or observe: nothing here needs the
            // envelope, so each worker task builds its own (see `Delivery(fields:…)`). Built here,
            // its storage would usually be freed on a worker's thread, and with glibc a free across
            // threads takes the allocator's lock on both sides: at two cores, the largest cost of
            // a routed message.
            let fields = MessageContext.fields(for: event)
            let timestamp = Date()
            for (endpoint, target) in plan.routed {
                try await runtime.enqueue(Delivery(fields: fields, timestamp: timestamp, target: target, endpoint: endpoint, options: options))
            }
            return
        }
        let envelope = MessageContext.envelope(for: event, typeName: plan.typeName, headers: options.headers)
        runtime.observe { $0.dispatchStarted(envelope) }
        guard runtime.telemetry.tracer != nil else {
            // No span to open: skip the tracing layer's closure and frames.
            return try await deliver(event, envelope: envelope, plan: plan, options: options)
        }
        try await runtime.telemetry.dispatch(envelope, verb: "publish") { envelope in
            try await deliver(event, envelope: envelope, plan: plan, options: options)
        }
    }

    /// Runs the inline handlers, then enqueues one delivery per routed handler.
    @inline(__always)
    private func deliver<E: IEvent>(_ event: E, envelope: MessageEnvelope, plan: EventPlan<E>, options: DeliveryOptions) async throws {
        let container = self.container
        if plan.hasInline {
            let context = MessageContext(envelope: envelope)
            let isPlain = runtime.telemetry.tracer == nil && !runtime.isObserved
            try await MessageContext.with(context) {
                for entry in plan.inline {
                    if isPlain, entry.behaviors.isEmpty {
                        // Nothing to trace, observe or wrap: call the handler directly.
                        try await entry.run(event, container)
                        continue
                    }
                    try await observed(context, handler: entry.target.handlerName) {
                        try await Pipeline.run(entry.behaviors, message: event, context: context, container: container) {
                            try await entry.run(event, container)
                        }
                    }
                }
            }
        }
        for (endpoint, target) in plan.routed {
            try await runtime.enqueue(Delivery(
                envelope: envelope, target: target, endpoint: endpoint, options: options, enqueuedAt: envelope.timestamp))
        }
    }

    /// Runs an inline handler execution in its span and reports it to observers; with neither a
    /// tracer nor observers it is a plain call.
    private func observed<R>(_ context: MessageContext, handler: String, _ body: () async throws -> R) async throws -> R {
        let runtime = self.runtime
        guard runtime.isObserved else {
            return try await runtime.telemetry.handler(context.envelope, handler: handler, endpoint: nil, body)
        }
        let start = ContinuousClock.now
        do {
            let result = try await runtime.telemetry.handler(context.envelope, handler: handler, endpoint: nil, body)
            let duration = ContinuousClock.now - start
            runtime.observe {
                $0.handlerSucceeded(context.envelope, handler: handler, endpoint: nil)
                $0.handlerFinished(context.envelope, handler: handler, endpoint: nil, duration: duration, error: nil)
            }
            return result
        } catch {
            let duration = ContinuousClock.now - start
            runtime.observe {
                $0.handlerFailed(context.envelope, handler: handler, endpoint: nil, error: error, attempt: 1, willRetry: false)
                $0.handlerFinished(context.envelope, handler: handler, endpoint: nil, duration: duration, error: error)
            }
            throw error
        }
    }
}
