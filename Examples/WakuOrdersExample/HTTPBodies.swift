// The JSON bodies of the orders API, the same for every HTTP framework.

/// The JSON body of `POST /orders`.
package struct PlaceOrderBody: Codable, Sendable {
    package let customerId: String
    package let items: [OrderLine]

    /// Why the body is not a valid order (for a 400 response), or `nil` when it is one.
    package var problem: String? {
        if customerId.isEmpty { return "customerId is empty." }
        if items.isEmpty { return "An order needs at least one item." }
        if !items.allSatisfy({ !$0.sku.isEmpty && $0.quantity > 0 }) {
            return "Every item needs a sku and a positive quantity."
        }
        return nil
    }

    /// The command this body asks for.
    package var command: PlaceOrder { PlaceOrder(customerId: customerId, items: items) }
}

/// Sales figures and emails sent (`GET /stats`), so a client can see the event's fan-out.
package struct StatsView: Codable, Sendable, Equatable {
    package let ordersPlaced: Int
    package let itemsOrdered: Int
    package let confirmationsSent: Int

    package init(stats: SalesStats, outbox: EmailOutbox) {
        let figures = stats.snapshot
        ordersPlaced = figures.orders
        itemsOrdered = figures.items
        confirmationsSent = outbox.count
    }
}
