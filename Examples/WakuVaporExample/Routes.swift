#if Vapor
import Vapor
import WakuMessaging
import WakuOrdersExample
import WakuVapor

extension OrderView: Content {}
extension OrderConfirmation: Content {}
extension StatsView: Content {}
extension PlaceOrderBody: Content {}

/// The HTTP API. Every route runs inside the request's Waku scope, opened by `WakuScopeMiddleware`.
func addRoutes(to app: Application) {
    app.get("health") { _ in "ok" }

    app.post("orders") { req async throws -> Response in
        let body = try req.content.decode(PlaceOrderBody.self)
        if let problem = body.problem { throw Abort(.badRequest, reason: problem) }
        let confirmation = try await req.waku.bus.invoke(body.command)
        let response = try await confirmation.encodeResponse(status: .created, for: req)
        response.headers.replaceOrAdd(name: .location, value: "/orders/\(confirmation.orderId)")
        return response
    }

    app.get("orders", ":id") { req async throws -> OrderView in
        let id = try req.parameters.require("id")
        guard let order = try await req.waku.bus.invoke(GetOrder(id: id)) else {
            throw Abort(.notFound, reason: "No order \(id).")
        }
        return order
    }

    app.get("stats") { req async throws -> StatsView in
        try await StatsView(stats: req.waku.get(SalesStats.self), outbox: req.waku.get(EmailOutbox.self))
    }
}
#endif
