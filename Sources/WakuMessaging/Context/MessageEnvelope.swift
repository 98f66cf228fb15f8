public import Foundation

/// What every dispatch carries: the message with its ids, type name, time and headers.
///
/// A value type whose fields live in one shared, immutable-once-shared object: an envelope is
/// copied at every hop of a dispatch (into the context, the task-local, a delivery, an observer
/// call), and a copy is then one reference count instead of one per field.
public struct MessageEnvelope: Sendable {
    private var storage: Storage

    /// The message's unique id; the bus makes it with ``MessageIDGenerator``.
    public var messageId: UUID { storage.messageId }
    /// The id shared by every message dispatched because of one root message.
    public var correlationId: UUID { storage.correlationId }
    /// The id of the message whose handling dispatched this one, or ``messageId`` for a root
    /// message.
    public var causationId: UUID { storage.causationId }
    /// The stable name of the message type (see ``MessageTypeName``).
    public var messageType: String { storage.messageType }
    /// When the message was dispatched.
    public var timestamp: Date { storage.timestamp }
    /// The message itself.
    public var payload: any IMessage { storage.payload }
    /// String headers carried with the message, such as trace context; copied on write.
    public var headers: [String: String] {
        get { storage.headers }
        set {
            // Copy on write: a storage another envelope shares is never changed.
            if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
            storage.headers = newValue
        }
        // In place, so `envelope.headers[key] = value` does not copy the dictionary.
        _modify {
            if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
            yield &storage.headers
        }
    }

    /// An envelope with the given ids, type name, time, message and headers.
    public init(
        messageId: UUID, correlationId: UUID, causationId: UUID, messageType: String, timestamp: Date,
        payload: any IMessage, headers: [String: String] = [:]
    ) {
        storage = Storage(
            messageId: messageId, correlationId: correlationId, causationId: causationId, messageType: messageType,
            timestamp: timestamp, payload: payload, headers: headers)
    }

    // @unchecked: `headers` is only written through `MessageEnvelope.headers`' set and modify
    // accessors, after `isKnownUniquelyReferenced` proved no other envelope (so no other task)
    // holds the storage.
    private final class Storage: @unchecked Sendable {
        let messageId: UUID
        let correlationId: UUID
        let causationId: UUID
        let messageType: String
        let timestamp: Date
        let payload: any IMessage
        var headers: [String: String]

        init(
            messageId: UUID, correlationId: UUID, causationId: UUID, messageType: String, timestamp: Date,
            payload: any IMessage, headers: [String: String]
        ) {
            self.messageId = messageId
            self.correlationId = correlationId
            self.causationId = causationId
            self.messageType = messageType
            self.timestamp = timestamp
            self.payload = payload
            self.headers = headers
        }

        func copy() -> Storage {
            Storage(
                messageId: messageId, correlationId: correlationId, causationId: causationId, messageType: messageType,
                timestamp: timestamp, payload: payload, headers: headers)
        }
    }
}
