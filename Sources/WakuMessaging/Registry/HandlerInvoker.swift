import Foundation
import Waku

/// One handler binding, compiled at start-up: what inline dispatch, local-queue workers and
/// durable workers all call to run the handler.
///
/// The behaviors and the handler are composed once, here: a binding without behaviors calls its
/// handler directly. The layers that can change while the application runs (spans and observer
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
    /// Behaviors (if any) around the handler; the message is the envelope's payload, so the
    /// same body serves inline and routed executions.
    private let body: @Sendable (any IMessage, MessageContext, Container) async throws -> Void

    init<M: IMessage>(
        _ message: M.Type, handler: TypeKey, context: PlanContext, handle: @escaping @Sendable (M, Container) async throws -> Void
    ) {
        self.handler = handler
        handlerName = handler.name
        module = context.module
        messageID = ObjectIdentifier(M.self)
        messageType = context.typeName
        codec = MessageCodec.make(for: M.self)
        endpoint = context.endpoint
        // The registry found this binding by the message's exact type, so the cast is a metatype
        // comparison; `withCast` is there for a payload of another type (a subclass instance).
        if context.behaviors.isEmpty {
            body = { message, _, container in
                if isExactly(message, M.self) { return try await handle(reinterpret(message, as: M.self), container) }
                try await withCast(message, to: M.self) { try await handle($0, container) }
            }
        } else {
            let typed = Self.compile(behaviors: context.behaviors, handle: handle)
            body = { message, context, container in
                if isExactly(message, M.self) { return try await typed(reinterpret(message, as: M.self), context, container) }
                try await withCast(message, to: M.self) { try await typed($0, context, container) }
            }
        }
    }

    /// Key of this invoker in the runtime's lookup table: stable message type and handler names.
    var key: String { Self.key(messageType: messageType, handler: handlerName) }

    static func key(messageType: String, handler: String) -> String { messageType + "\u{1F}" + handler }

    /// Runs the behaviors and the handler in `context`, which the caller has made current.
    @inline(__always)
    func run(_ message: any IMessage, context: MessageContext, container: Container) async throws {
        try await body(message, context, container)
    }

    /// Runs a routed delivery's handler: its envelope's context made current, naming the
    /// endpoint it runs on (for log metadata, see `Logger.MetadataProvider.waku`), then the body.
    @inline(__always)
    func execute(_ envelope: MessageEnvelope, endpoint: String, in container: Container) async throws {
        let context = MessageContext(envelope: envelope, endpoint: endpoint)
        try await MessageContext.with(context) { try await body(envelope.payload, context, container) }
    }

    /// `handle` with `behaviors` around it: `behaviors[0]` outermost, the handler innermost;
    /// `handle` alone when there are none.
    static func compile<M: IMessage, Response: Sendable>(
        behaviors: [BehaviorReference], handle: @escaping @Sendable (M, Container) async throws -> Response
    ) -> @Sendable (M, MessageContext, Container) async throws -> Response {
        if behaviors.isEmpty { return { message, _, container in try await handle(message, container) } }
        return { message, context, container in
            try await Pipeline.run(behaviors, message: message, context: context, container: container) {
                try await handle(message, container)
            }
        }
    }
}
