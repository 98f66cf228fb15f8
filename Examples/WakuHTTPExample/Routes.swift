#if Hummingbird
import Hummingbird
import Waku
import WakuHummingbird
import WakuMessaging

extension OrderView: ResponseEncodable {}
extension OrderConfirmation: ResponseEncodable {}

/// The JSON body of `POST /orders`.
struct PlaceOrderBody: Decodable {
    let customerId: String
    let items: [OrderLine]
}

/// Sales figures and emails sent, so a client can see the event's fan-out.
struct StatsView: ResponseEncodable {
    let ordersPlaced: Int
    let itemsOrdered: Int
    let confirmationsSent: Int
}

/// The HTTP API. Every route runs inside the request's Waku scope, opened by `WakuScopeMiddleware`.
func makeRouter(waku: WakuApplication, observability: Observability? = nil) -> Router<BasicWakuRequestContext> {
    let router = Router(context: BasicWakuRequestContext.self)
    if let observability, observability.tracer != nil {
        // Outermost, so the request's span is the parent of everything the bus does for it.
        router.add(middleware: TracingMiddleware())
        router.add(middleware: MetricsMiddleware())
        observability.addMetricsRoute(router)
    }
    router.add(middleware: WakuScopeMiddleware(app: waku))

    router.get("/health") { _, _ in "ok" }

    router.post("/orders") { request, context -> EditedResponse<OrderConfirmation> in
        let body = try await request.decode(as: PlaceOrderBody.self, context: context)
        guard !body.customerId.isEmpty else { throw HTTPError(.badRequest, message: "customerId is empty.") }
        guard !body.items.isEmpty else { throw HTTPError(.badRequest, message: "An order needs at least one item.") }
        guard body.items.allSatisfy({ !$0.sku.isEmpty && $0.quantity > 0 }) else {
            throw HTTPError(.badRequest, message: "Every item needs a sku and a positive quantity.")
        }
        let confirmation = try await context.bus.invoke(PlaceOrder(customerId: body.customerId, items: body.items))
        return EditedResponse(
            status: .created, headers: [.location: "/orders/\(confirmation.orderId)"], response: confirmation)
    }

    router.get("/orders/{id}") { _, context -> OrderView in
        let id = try context.parameters.require("id")
        guard let order = try await context.bus.invoke(GetOrder(id: id)) else {
            throw HTTPError(.notFound, message: "No order \(id).")
        }
        return order
    }

    router.get("/stats") { _, context -> StatsView in
        let stats = try await context.get(SalesStats.self).snapshot
        let outbox = try await context.get(EmailOutbox.self)
        return StatsView(ordersPlaced: stats.orders, itemsOrdered: stats.items, confirmationsSent: outbox.count)
    }
    return router
}
#endif
