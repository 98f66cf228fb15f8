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

// @unchecked: immutable; its closures are Sendable.
final class RequestPlan<R: IRequest>: AnyRequestPlan, @unchecked Sendable {
    /// Resolves the handler and calls it.
    private let handle: @Sendable (R, Container) async throws -> R.Response
    /// The behaviors around `handle`, compiled once as the invoker's are; unused without any.
    private let pipeline: @Sendable (R, MessageContext, Container) async throws -> R.Response
    /// Whether the binding has behaviors. A flag rather than a closure that calls `handle`:
    /// each async closure layer costs a dispatch an async frame.
    private let hasBehaviors: Bool

    init(handler: TypeKey, context: PlanContext, handle: @escaping @Sendable (R, Container) async throws -> R.Response) {
        self.handle = handle
        pipeline = HandlerInvoker.compile(behaviors: context.behaviors, handle: handle)
        hasBehaviors = !context.behaviors.isEmpty
        super.init(invoker: HandlerInvoker(R.self, handler: handler, context: context) { request, container in
            _ = try await handle(request, container)
        })
    }

    /// The behaviors, if any, and the handler, with the handler's response.
    @inline(__always)
    func respond(_ request: R, context: MessageContext, container: Container) async throws -> R.Response {
        guard hasBehaviors else { return try await handle(request, container) }
        return try await pipeline(request, context, container)
    }

    override func respondErased(_ request: any IMessage, context: MessageContext, container: Container) async throws -> any Sendable {
        guard let typed = request as? R else { throw RequestHandlerNotFound(messageType: typeName) }
        return try await respond(typed, context: context, container: container)
    }
}
