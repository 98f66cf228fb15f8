import Foundation
import WakuMessaging

// The seed's events, plus a request that places an order.

/// Codable, so it can be stored by the durable fulfilment endpoint.
struct OrderPlaced: IEvent, Codable {
    let orderId: String
    let customerId: String
}

struct OrderShipped: IEvent {
    let orderId: String
    let trackingNumber: String
}

/// Users' own base protocols work.
protocol DomainEvent: IEvent {
    var occurredAt: Date { get }
}

struct OrderConfirmation: Sendable {
    let orderId: String
    let total: Int
}

struct PlaceOrder: IRequest {
    typealias Response = OrderConfirmation
    let customerId: String
    let items: [String]
}
