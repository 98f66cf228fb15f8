import Waku

/// One handler binding, compiled at start-up: what inline dispatch, local-queue workers and
/// durable workers all call to run the handler.
///
/// It holds the binding's behaviors and a call into the handler type's own
/// `_resolveAndHandle(message:in:)`, whose cast and resolution are specialized where the handler
/// is declared. The layers that can change while the application runs (spans and observer
/// reports) are added by ``DispatchLayers`` only while a tracer or an observer is there.
final class HandlerInvoker: Sendable {
    let handler: TypeKey
    /// `handler.name`, computed once: every delivery's logs, metrics and lookups use it.
    let handlerName: String
    let module: String
    let messageID: ObjectIdentifier
    /// The message type's stable name.
    let messageType: String
    /// How durable endpoints store the message; `nil` when the type is not `Codable`.
    let codec: MessageCodec?
    /// The endpoint the binding is routed to; `nil` runs it inline.
    let endpoint: String?
    /// Run around the handler, `behaviors[0]` outermost.
    let behaviors: [BehaviorReference]
    /// Resolves the handler from the container and calls it.
    private let handle: @Sendable (any IMessage, Container) async throws -> Void

    init<M: IMessage>(
        _ message: M.Type, handler: TypeKey, context: PlanContext, handle: @escaping @Sendable (any IMessage, Container) async throws -> Void
    ) {
        self.handler = handler
        handlerName = handler.name
        module = context.module
        messageID = ObjectIdentifier(M.self)
        messageType = context.typeName
        codec = MessageCodec.make(for: M.self)
        endpoint = context.endpoint
        behaviors = context.behaviors
        self.handle = handle
    }

    /// Key of this invoker in the runtime's lookup table: stable message type and handler names.
    var key: String { Self.key(messageType: messageType, handler: handlerName) }

    static func key(messageType: String, handler: String) -> String { messageType + "\u{1F}" + handler }

    /// Runs the behaviors and the handler in `context`, which the caller has made current.
    func run(_ message: any IMessage, context: MessageContext, container: Container) async throws {
        // A check rather than a composed closure: each async closure layer costs an async frame.
        guard !behaviors.isEmpty else { return try await handle(message, container) }
        try await Pipeline.run(behaviors, message: message, context: context, container: container) {
            try await handle(message, container)
        }
    }

    /// Runs a routed delivery's handler: its envelope's context made current, naming the
    /// endpoint it runs on (for log metadata, see `Logger.MetadataProvider.waku`), then the body.
    @inline(__always)
    func execute(_ envelope: MessageEnvelope, endpoint: String, in container: Container) async throws {
        let context = MessageContext(envelope: envelope, endpoint: endpoint)
        try await MessageContext.with(context) { try await run(envelope.payload, context: context, container: container) }
    }
}
