public import Foundation

/// A routed delivery as a durable store persists it: one row per (message id, handler).
public struct StoredDelivery: Sendable, Equatable {
    /// The store's row id; 0 before insertion.
    public var id: Int64
    public let messageId: UUID
    public let correlationId: UUID
    public let causationId: UUID
    /// Stable message type name: a ``MessagingConfig/messageNames`` override, else the type's
    /// ``NamedMessage/messageName``, else the fully qualified type name (``MessageTypeName``).
    public let messageType: String
    /// Stable handler name.
    public let handler: String
    public let endpoint: String
    /// The message, JSON-encoded.
    public let payload: Data
    public let headers: [String: String]
    public let timestamp: Date
    public let groupId: String?
    public var availableAt: Date
    /// Attempts made so far (claims count as attempts).
    public var attempts: Int
    public var lastError: String?

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
