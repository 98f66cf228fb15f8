#if Hummingbird
import Logging
import Waku
import WakuHummingbird
import WakuMessaging

/// Orders module: saves the order, then publishes `OrderPlaced`.
///
/// `HTTPRequestID` is a context value of the HTTP request's Waku scope: the handler is resolved from
/// that scope, so it gets the id of the request that is placing the order, and keeps it in the
/// order. Its log line needs no ids: the `.waku` metadata provider adds `http.request.id` and the
/// message's ids to it.
final class PlaceOrderHandler: RequestHandler {
    private let repository: OrderRepository
    private let publisher: any IPublisher
    private let requestID: HTTPRequestID
    private let logger: Logger

    init(repository: OrderRepository, publisher: any IPublisher, requestID: HTTPRequestID, logger: Logger) {
        self.repository = repository
        self.publisher = publisher
        self.requestID = requestID
        self.logger = logger
    }

    func handle(_ request: PlaceOrder) async throws -> OrderConfirmation {
        let order = OrderView(
            id: repository.newId(), customerId: request.customerId, items: request.items,
            placedByRequest: requestID.value)
        repository.save(order)
        logger.info("Order placed", metadata: ["order.id": "\(order.id)"])
        try await publisher.publish(
            OrderPlaced(orderId: order.id, customerId: order.customerId, itemCount: order.items.reduce(0) { $0 + $1.quantity }))
        return OrderConfirmation(orderId: order.id)
    }
}

/// Orders module: the query side.
final class GetOrderHandler: RequestHandler {
    private let repository: OrderRepository
    init(repository: OrderRepository) { self.repository = repository }

    func handle(_ request: GetOrder) async throws -> OrderView? {
        repository.find(request.id)
    }
}

/// Notifications module: one of the two `OrderPlaced` handlers.
final class SendOrderConfirmation: EventHandler {
    private let outbox: EmailOutbox
    private let logger: Logger
    init(outbox: EmailOutbox, logger: Logger) {
        self.outbox = outbox
        self.logger = logger
    }

    func handle(_ event: OrderPlaced) async throws {
        outbox.send("Order \(event.orderId) confirmed for \(event.customerId)")
        logger.info("Confirmation email sent", metadata: ["order.id": "\(event.orderId)"])
    }
}

/// Analytics module: the other `OrderPlaced` handler.
final class UpdateSalesStats: EventHandler {
    private let stats: SalesStats
    private let logger: Logger
    init(stats: SalesStats, logger: Logger) {
        self.stats = stats
        self.logger = logger
    }

    func handle(_ event: OrderPlaced) async throws {
        stats.record(items: event.itemCount)
        logger.info("Sales stats updated", metadata: ["order.id": "\(event.orderId)"])
    }
}
#endif
