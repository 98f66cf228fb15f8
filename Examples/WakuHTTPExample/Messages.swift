#if Hummingbird
import WakuMessaging

// The orders scenario's messages. They know nothing about HTTP.

/// One line of an order.
struct OrderLine: Codable, Sendable, Equatable {
    let sku: String
    let quantity: Int
}

/// Places an order. Its handler saves the order and publishes ``OrderPlaced``.
struct PlaceOrder: IRequest {
    typealias Response = OrderConfirmation
    let customerId: String
    let items: [OrderLine]
}

struct OrderConfirmation: Codable, Sendable {
    let orderId: String
}

/// Fans out to two handlers in two modules: Notifications and Analytics.
struct OrderPlaced: IEvent {
    let orderId: String
    let customerId: String
    let itemCount: Int
}

/// A query: the order, or `nil` when there is none with this id.
struct GetOrder: IRequest {
    typealias Response = OrderView?
    let id: String
}

/// An order as the API shows it.
struct OrderView: Codable, Sendable, Equatable {
    let id: String
    let customerId: String
    let items: [OrderLine]
    /// The id of the HTTP request that placed the order: a request-scoped value that reached the
    /// message handler through the Waku request scope.
    let placedByRequest: String
}
#endif
