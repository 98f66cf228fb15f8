import Waku

/// The compiled dispatch of one request type: its handler's invoker, which a routed `send`
/// runs, and the same behaviors and handler with the response kept, which `invoke` runs.
// @unchecked: immutable after start-up; the subclass holds only `let` Sendable values.
class AnyRequestPlan: @unchecked Sendable {
    let invoker: HandlerInvoker
    var messageID: ObjectIdentifier { invoker.messageID }
    var typeName: String { invoker.messageType }

    init(invoker: HandlerInvoker) {
        self.invoker = invoker
    }

    /// The response to a request whose static type at the call site was not its runtime type,
    /// type-erased; a `RequestPlan` answers for its own type.
    func respondErased(_ request: any IMessage, context: MessageContext, container: Container) async throws -> any Sendable {
        throw RequestHandlerNotFound(messageType: typeName)
    }
}

// @unchecked: immutable; `respond` is a Sendable closure.
final class RequestPlan<R: IRequest>: AnyRequestPlan, @unchecked Sendable {
    /// Behaviors (if any) around the handler, with its response: compiled once, as the invoker's.
    let respond: @Sendable (R, MessageContext, Container) async throws -> R.Response

    init(handler: TypeKey, context: PlanContext, handle: @escaping @Sendable (R, Container) async throws -> R.Response) {
        respond = HandlerInvoker.compile(behaviors: context.behaviors, handle: handle)
        super.init(invoker: HandlerInvoker(R.self, handler: handler, context: context) { request, container in
            _ = try await handle(request, container)
        })
    }

    override func respondErased(_ request: any IMessage, context: MessageContext, container: Container) async throws -> any Sendable {
        guard let typed = request as? R else { throw RequestHandlerNotFound(messageType: typeName) }
        return try await respond(typed, context, container)
    }
}
