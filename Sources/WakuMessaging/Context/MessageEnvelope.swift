public import Foundation

/// What every dispatch carries: the message with its ids, type name, time and headers.
public struct MessageEnvelope: Sendable {
    public let messageId: UUID
    public let correlationId: UUID
    public let causationId: UUID
    /// The stable name of the message type (see ``MessageTypeName``).
    public let messageType: String
    public let timestamp: Date
    public let payload: any IMessage
    public var headers: [String: String]

    public init(
        messageId: UUID, correlationId: UUID, causationId: UUID, messageType: String, timestamp: Date,
        payload: any IMessage, headers: [String: String] = [:]
    ) {
        self.messageId = messageId
        self.correlationId = correlationId
        self.causationId = causationId
        self.messageType = messageType
        self.timestamp = timestamp
        self.payload = payload
        self.headers = headers
    }
}
