import Waku

/// The compiled dispatch of one request type.
class AnyRequestPlan: @unchecked Sendable {
    // @unchecked: immutable after start-up; subclasses hold only `let` Sendable values.
    let messageID: ObjectIdentifier
    let typeName: String
    let handlerName: String
    let module: String
    let behaviors: [BehaviorReference]

    init(messageID: ObjectIdentifier, typeName: String, handlerName: String, module: String, behaviors: [BehaviorReference]) {
        self.messageID = messageID
        self.typeName = typeName
        self.handlerName = handlerName
        self.module = module
        self.behaviors = behaviors
    }

    /// Dispatches a request whose static type was not its runtime type.
    func invokeErased(_ request: any IMessage, bus: MessageBus) async throws -> any Sendable {
        throw RequestHandlerNotFound(messageType: typeName)
    }
}

final class RequestPlan<R: IRequest>: AnyRequestPlan, @unchecked Sendable {
    // @unchecked: immutable; `handle` is a Sendable closure.
    let handle: @Sendable (R, Container) async throws -> R.Response

    init(handlerName: String, module: String, behaviors: [BehaviorReference],
         handle: @escaping @Sendable (R, Container) async throws -> R.Response) {
        self.handle = handle
        super.init(
            messageID: ObjectIdentifier(R.self), typeName: MessageTypeName.of(R.self), handlerName: handlerName,
            module: module, behaviors: behaviors)
    }

    override func invokeErased(_ request: any IMessage, bus: MessageBus) async throws -> any Sendable {
        guard let typed = request as? R else { throw RequestHandlerNotFound(messageType: typeName) }
        return try await bus.invoke(typed, plan: self)
    }
}
