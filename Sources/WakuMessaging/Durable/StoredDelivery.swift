public import Foundation

/// A routed delivery as a durable store persists it: one row per (message id, handler).
public struct StoredDelivery: Sendable, Equatable {
    /// The store's row id; 0 before insertion.
    public var id: Int64
    /// The id of the message this delivery carries.
    public let messageId: UUID
    /// The message's correlation id.
    public let correlationId: UUID
    /// The message's causation id.
    public let causationId: UUID
    /// Stable message type name: a ``MessagingConfig/messageNames`` override, else the type's
    /// ``NamedMessage/messageName``, else the fully qualified type name (``MessageTypeName``).
    public let messageType: String
    /// Stable handler name.
    public let handler: String
    /// The name of the durable endpoint whose workers claim it.
    public let endpoint: String
    /// The message, JSON-encoded.
    public let payload: Data
    /// The envelope's headers, restored when the delivery runs.
    public let headers: [String: String]
    /// When the message was dispatched.
    public let timestamp: Date
    /// The group key: deliveries with the same key run one at a time, in order; `nil` for none.
    public let groupId: String?
    /// When the row may next be claimed: the scheduled time, or the time of the next retry.
    public var availableAt: Date
    /// Attempts made so far (claims count as attempts).
    public var attempts: Int
    /// The error of the last failed attempt, if any.
    public var lastError: String?

    /// A delivery with every column given; `id` stays 0 until the store inserts the row.
    public init(
        id: Int64 = 0, messageId: UUID, correlationId: UUID, causationId: UUID, messageType: String, handler: String,
        endpoint: String, payload: Data, headers: [String: String], timestamp: Date, groupId: String?,
        availableAt: Date, attempts: Int = 0, lastError: String? = nil
    ) {
        self.id = id
        self.messageId = messageId
        self.correlationId = correlationId
        self.causationId = causationId
        self.messageType = messageType
        self.handler = handler
        self.endpoint = endpoint
        self.payload = payload
        self.headers = headers
        self.timestamp = timestamp
        self.groupId = groupId
        self.availableAt = availableAt
        self.attempts = attempts
        self.lastError = lastError
    }
}
