#if Hummingbird
import Hummingbird
import Waku
import WakuHummingbird
import WakuMessaging
import WakuOrdersExample

extension OrderView: ResponseEncodable {}
extension OrderConfirmation: ResponseEncodable {}
extension StatsView: ResponseEncodable {}

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
        if let problem = body.problem { throw HTTPError(.badRequest, message: problem) }
        let confirmation = try await context.bus.invoke(body.command)
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
        try await StatsView(stats: context.get(SalesStats.self), outbox: context.get(EmailOutbox.self))
    }
    return router
}
#endif
