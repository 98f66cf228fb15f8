public import Waku

/// The bus of one request scope: resolves handlers and behaviors from that scope.
///
/// Dispatch is by the exact runtime type of the message: a handler bound to a protocol or a
/// superclass does not receive conforming types or subclasses.
public final class MessageBus: IMessageBus {
    let container: Container
    let registry: MessageRegistry

    public init(container: Container, registry: MessageRegistry) {
        self.container = container
        self.registry = registry
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

    public func send<R: IRequest>(_ request: R) async throws {
        _ = try await invoke(request)
    }

    public func publish<E: IEvent>(_ event: E) async throws {
        guard let plan = registry.eventPlans[ObjectIdentifier(type(of: event))] else { return }
        if plan.messageID == ObjectIdentifier(E.self) {
            try await publish(event, plan: unsafeDowncast(plan, to: EventPlan<E>.self))
        } else {
            try await plan.publishErased(event, bus: self)
        }
    }

    func invoke<R: IRequest>(_ request: R, plan: RequestPlan<R>) async throws -> R.Response {
        let context = MessageContext(envelope: MessageContext.envelope(for: request, typeName: plan.typeName))
        let container = self.container
        return try await MessageContext.with(context) {
            try await Pipeline.run(plan.behaviors, message: request, context: context, container: container) {
                try await plan.handle(request, container)
            }
        }
    }

    func publish<E: IEvent>(_ event: E, plan: EventPlan<E>) async throws {
        let context = MessageContext(envelope: MessageContext.envelope(for: event, typeName: plan.typeName))
        let container = self.container
        try await MessageContext.with(context) {
            for entry in plan.entries {
                try await Pipeline.run(entry.behaviors, message: event, context: context, container: container) {
                    try await entry.run(event, container)
                }
            }
        }
    }
}
