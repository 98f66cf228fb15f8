public import Foundation

/// The ids and headers of the dispatch in progress, carried in a task-local.
///
/// A root message has `causationId == messageId` (and starts a new correlation). A message
/// dispatched while handling another inherits its `correlationId`, and its `causationId` is the
/// parent's `messageId`. When a dispatch ends, successfully or not, the parent context is back.
///
/// Inside a handler or behavior: `MessageContext.current` (optional), `try MessageContext.required()`,
/// or inject `MessageContext` into the handler's initializer.
public struct MessageContext: Sendable {
    /// The envelope of the dispatch in progress; the other properties read from it.
    public let envelope: MessageEnvelope

    /// The id of the message being dispatched.
    public var messageId: UUID { envelope.messageId }
    /// The id shared by every message dispatched, directly or not, because of one root message.
    public var correlationId: UUID { envelope.correlationId }
    /// The id of the message whose handling dispatched this one; equal to ``messageId`` for a root
    /// message.
    public var causationId: UUID { envelope.causationId }
    /// The envelope's headers, such as trace context or headers given in ``DeliveryOptions``.
    public var headers: [String: String] { envelope.headers }
    /// The stable name of the message type (see ``MessageTypeName``).
    public var messageType: String { envelope.messageType }

    /// The endpoint whose worker runs the handler, or `nil` for an inline handler (one the bus
    /// runs in the dispatching task).
    public let endpoint: String?

    /// A context for `envelope`; the bus makes one per dispatch, tests may make their own.
    ///
    /// - Parameters:
    ///   - envelope: The envelope of the dispatch.
    ///   - endpoint: The endpoint whose worker runs the handler; `nil` for inline handlers.
    public init(envelope: MessageEnvelope, endpoint: String? = nil) {
        self.envelope = envelope
        self.endpoint = endpoint
    }

    @TaskLocal static var active: MessageContext?

    /// The context of the dispatch in progress, or `nil` outside a dispatch.
    public static var current: MessageContext? { active }

    /// The context of the dispatch in progress; throws ``NoActiveMessageContext`` outside one.
    public static func required() throws -> MessageContext {
        guard let context = active else { throw NoActiveMessageContext() }
        return context
    }

    /// Builds the envelope for a new dispatch of `message`, linked to the current context.
    static func envelope(for message: any IMessage, typeName: String, headers: [String: String] = [:]) -> MessageEnvelope {
        let ids = newIDs()
        return MessageEnvelope(
            messageId: ids.message,
            correlationId: ids.correlation,
            causationId: ids.causation,
            messageType: typeName,
            timestamp: Date(),
            payload: message,
            headers: headers)
    }

    /// The ids and payload of a new dispatch of `message`, linked to the current context, for a
    /// delivery whose worker builds the envelope.
    static func fields(for message: any IMessage) -> EnvelopeFields {
        let ids = newIDs()
        return EnvelopeFields(messageId: ids.message, correlationId: ids.correlation, causationId: ids.causation, payload: message)
    }

    /// A new message id; the correlation and causation ids come from the current context (a root
    /// message starts its own correlation and is its own cause).
    @inline(__always)
    private static func newIDs() -> (message: UUID, correlation: UUID, causation: UUID) {
        let id = MessageIDGenerator.next()
        let parent = active
        return (id, parent?.correlationId ?? id, parent?.messageId ?? id)
    }

    /// Runs `body` with `context` as the current one; the previous context is restored afterwards,
    /// even when `body` throws.
    @inline(__always)
    static func with<R>(_ context: MessageContext, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R) async rethrows -> R {
        try await $active.withValue(context, operation: body)
    }
}

/// Stable names for message types, used in envelopes, logs and durable storage.
public enum MessageTypeName {
    /// The default name: the fully qualified type name, e.g. `Orders.OrderPlaced`.
    public static func of(_ type: Any.Type) -> String { String(reflecting: type) }
}
