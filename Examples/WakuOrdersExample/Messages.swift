import WakuMessaging

// The orders scenario's messages. They know nothing about HTTP.

/// One line of an order.
package struct OrderLine: Codable, Sendable, Equatable {
    package let sku: String
    package let quantity: Int
}

/// Places an order. Its handler saves the order and publishes ``OrderPlaced``.
package struct PlaceOrder: IRequest {
    package typealias Response = OrderConfirmation
    package let customerId: String
    package let items: [OrderLine]

    package init(customerId: String, items: [OrderLine]) {
        self.customerId = customerId
        self.items = items
    }
}

package struct OrderConfirmation: Codable, Sendable {
    package let orderId: String
}

/// Fans out to two handlers in two modules: Notifications and Analytics.
package struct OrderPlaced: IEvent {
    package let orderId: String
    package let customerId: String
    package let itemCount: Int
}

/// A query: the order, or `nil` when there is none with this id.
package struct GetOrder: IRequest {
    package typealias Response = OrderView?
    package let id: String

    package init(id: String) {
        self.id = id
    }
}

/// An order as the API shows it.
package struct OrderView: Codable, Sendable, Equatable {
    package let id: String
    package let customerId: String
    package let items: [OrderLine]
    /// The id of the HTTP request that placed the order: a request-scoped value that reached the
    /// message handler through the Waku request scope.
    package let placedByRequest: String
}
