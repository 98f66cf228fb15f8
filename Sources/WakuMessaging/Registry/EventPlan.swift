import Waku

/// The compiled fan-out of one event type: its handlers from every module, in registration
/// order. Inline ones run first, sequentially; each routed one becomes a delivery.
final class EventPlan: Sendable {
    let messageID: ObjectIdentifier
    let typeName: String
    let handlers: [HandlerInvoker]
    /// Whether any handler runs inline: a routed-only event needs no envelope on the publishing task.
    let hasInline: Bool
    /// Whether any handler is routed to an endpoint.
    let hasRouted: Bool

    init(messageID: ObjectIdentifier, typeName: String, handlers: [HandlerInvoker]) {
        self.messageID = messageID
        self.typeName = typeName
        self.handlers = handlers
        hasInline = handlers.contains { $0.endpoint == nil }
        hasRouted = handlers.contains { $0.endpoint != nil }
    }
}
