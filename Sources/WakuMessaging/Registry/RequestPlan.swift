import Waku

/// The compiled dispatch of one request type: its handler's invoker, which a routed `send`
/// runs, and the same behaviors and handler with the response kept, which `invoke` runs.
// @unchecked: immutable after start-up; the subclass holds only `let` Sendable values.
class AnyRequestPlan: @unchecked Sendable {
    let invoker: HandlerInvoker
    var messageID: ObjectIdentifier { invoker.messageID }
    var typeName: String { invoker.messageType }
    /// Whether the binding has behaviors, read on every `invoke`.
    let hasBehaviors: Bool

    init(invoker: HandlerInvoker) {
        self.invoker = invoker
        hasBehaviors = !invoker.behaviors.isEmpty
    }

    /// The response to a request whose static type at the call site was not its runtime type,
    /// type-erased; a `RequestPlan` answers for its own type.
    func respondErased(_ request: any IMessage, context: MessageContext, container: Container) async throws -> any Sendable {
        throw RequestHandlerNotFound(messageType: typeName)
    }
}

// @unchecked: immutable; its closure is Sendable.
final class RequestPlan<R: IRequest>: AnyRequestPlan, @unchecked Sendable {
    /// Resolves the handler and calls it, with the request and its response typed.
    let handle: @Sendable (R, Container) async throws -> R.Response

    init(handler: TypeKey, context: PlanContext, handle: @escaping @Sendable (R, Container) async throws -> R.Response,
         handleMessage: @escaping @Sendable (any IMessage, Container) async throws -> Void) {
        self.handle = handle
        super.init(invoker: HandlerInvoker(R.self, handler: handler, context: context, handle: handleMessage))
    }

    /// The behaviors, if any, and the handler, with the handler's response.
    @inline(__always)
    func respond(_ request: R, context: MessageContext, container: Container) async throws -> R.Response {
        guard hasBehaviors else { return try await handle(request, container) }
        return try await Pipeline.run(invoker.behaviors, message: request, context: context, container: container) {
            try await handle(request, container)
        }
    }

    override func respondErased(_ request: any IMessage, context: MessageContext, container: Container) async throws -> any Sendable {
        guard let typed = request as? R else { throw RequestHandlerNotFound(messageType: typeName) }
        return try await respond(typed, context: context, container: container)
    }
}
