public import Foundation

/// Per-dispatch options for routed deliveries: a group key for per-group FIFO, and a delay or
/// a scheduled time. Honoured by durable endpoints; inline handlers ignore them, and local
/// queues reject a delay (``DeliveryOptionNotSupported``) rather than silently deliver early.
public struct DeliveryOptions: Sendable, Equatable {
    /// Deliveries with the same group key are processed strictly in order, even across processes.
    public var groupId: String?
    /// Deliver no earlier than this.
    public var scheduledAt: Date?
    /// Extra headers merged onto the envelope.
    public var headers: [String: String]

    /// Options with an optional group key, headers, and a delay or scheduled time; `delay` wins
    /// when both are given.
    public init(groupId: String? = nil, delay: Duration? = nil, scheduledAt: Date? = nil, headers: [String: String] = [:]) {
        self.groupId = groupId
        self.headers = headers
        if let delay {
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            self.scheduledAt = Date().addingTimeInterval(seconds)
        } else {
            self.scheduledAt = scheduledAt
        }
    }

    /// No group key, no schedule and no extra headers: what a plain `publish` or `send` uses.
    public static let none = DeliveryOptions()
}

/// A delivery option the target endpoint cannot honour.
public struct DeliveryOptionNotSupported: Error, Sendable, CustomStringConvertible {
    /// The endpoint that rejected the option.
    public let endpoint: String
    /// The option it cannot honour, such as a delay.
    public let option: String
    /// Which endpoint rejected which option, and that a durable endpoint honours it.
    public var description: String {
        "Endpoint '\(endpoint)' cannot honour \(option): in-memory queues deliver immediately. Route the message to a durable endpoint."
    }
}
