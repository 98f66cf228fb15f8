import Waku

/// The compiled dispatch of one request type.
// @unchecked: immutable after start-up; subclasses hold only `let` Sendable values.
class AnyRequestPlan: @unchecked Sendable {
    let messageID: ObjectIdentifier
    let typeName: String
    let handlerName: String
    let module: String
    let behaviors: [BehaviorReference]
    /// The endpoint `send` routes to; `nil` runs inline. `invoke` always runs inline.
    let endpoint: String?
    let target: DeliveryTarget

    init(messageID: ObjectIdentifier, typeName: String, handlerName: String, module: String, behaviors: [BehaviorReference],
         endpoint: String?, target: DeliveryTarget) {
        self.messageID = messageID
        self.typeName = typeName
        self.handlerName = handlerName
        self.module = module
        self.behaviors = behaviors
        self.endpoint = endpoint
        self.target = target
    }

    /// Dispatches a request whose static type was not its runtime type.
    func invokeErased(_ request: any IMessage, bus: MessageBus) async throws -> any Sendable {
        throw RequestHandlerNotFound(messageType: typeName)
    }
}

// @unchecked: immutable; `handle` is a Sendable closure.
final class RequestPlan<R: IRequest>: AnyRequestPlan, @unchecked Sendable {
    let handle: @Sendable (R, Container) async throws -> R.Response

    init(handler: TypeKey, context: PlanContext, handle: @escaping @Sendable (R, Container) async throws -> R.Response) {
        self.handle = handle
        super.init(
            messageID: ObjectIdentifier(R.self), typeName: context.typeName, handlerName: handler.name,
            module: context.module, behaviors: context.behaviors, endpoint: context.endpoint,
            target: DeliveryTarget(
                handler: handler, module: context.module, messageID: ObjectIdentifier(R.self), messageType: context.typeName,
                codec: MessageCodec.make(for: R.self), behaviors: context.behaviors,
                run: { message, container in
                    if isExactly(message, R.self) { _ = try await handle(reinterpret(message, as: R.self), container); return }
                    try await withCast(message, to: R.self) { _ = try await handle($0, container) }
                }))
    }

    override func invokeErased(_ request: any IMessage, bus: MessageBus) async throws -> any Sendable {
        guard let typed = request as? R else { throw RequestHandlerNotFound(messageType: typeName) }
        return try await bus.invoke(typed, plan: self)
    }
}
