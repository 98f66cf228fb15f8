#if Hummingbird
import Foundation
import Hummingbird
import Logging
import Waku
import WakuHummingbird
import WakuMessaging
import WakuTesting

// A compact copy of the example's orders scenario (the example is an executable and cannot be
// imported). `ExampleProcessTests` runs the real example binary.

struct OrderLine: Codable, Sendable, Equatable {
    let sku: String
    let quantity: Int
}

struct PlaceOrder: IRequest {
    typealias Response = OrderConfirmation
    let customerId: String
    let items: [OrderLine]
}

struct OrderConfirmation: Codable, Sendable, ResponseEncodable {
    let orderId: String
}

struct OrderPlaced: IEvent {
    let orderId: String
    let customerId: String
}

struct GetOrder: IRequest {
    typealias Response = OrderView?
    let id: String
}

struct OrderView: Codable, Sendable, Equatable, ResponseEncodable {
    let id: String
    let customerId: String
    let items: [OrderLine]
    let placedByRequest: String
}

final class OrderRepository: Sendable {
    private let orders = Locked([String: OrderView]())
    private let next = Locked(0)
    func newId() -> String { "order-\(next.withLock { $0 += 1; return $0 })" }
    func save(_ order: OrderView) { orders.withLock { $0[order.id] = order } }
    func find(_ id: String) -> OrderView? { orders.withLock { $0[id] } }
}

/// What the two `OrderPlaced` handlers did.
final class FanOutLog: Sendable {
    private let entries = Locked([String]())
    func add(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

final class PlaceOrderHandler: RequestHandler {
    let repository: OrderRepository
    let publisher: any IPublisher
    let requestID: HTTPRequestID
    init(repository: OrderRepository, publisher: any IPublisher, requestID: HTTPRequestID) {
        self.repository = repository
        self.publisher = publisher
        self.requestID = requestID
    }

    func handle(_ request: PlaceOrder) async throws -> OrderConfirmation {
        let order = OrderView(id: repository.newId(), customerId: request.customerId, items: request.items, placedByRequest: requestID.value)
        repository.save(order)
        try await publisher.publish(OrderPlaced(orderId: order.id, customerId: order.customerId))
        return OrderConfirmation(orderId: order.id)
    }
}

final class GetOrderHandler: RequestHandler {
    let repository: OrderRepository
    init(repository: OrderRepository) { self.repository = repository }
    func handle(_ request: GetOrder) async throws -> OrderView? { repository.find(request.id) }
}

final class SendOrderConfirmation: EventHandler {
    let log: FanOutLog
    init(log: FanOutLog) { self.log = log }
    func handle(_ event: OrderPlaced) async throws { log.add("notifications:\(event.orderId)") }
}

final class UpdateSalesStats: EventHandler {
    let log: FanOutLog
    init(log: FanOutLog) { self.log = log }
    func handle(_ event: OrderPlaced) async throws { log.add("analytics:\(event.orderId)") }
}

struct SharedModule: Module {
    var providers: [Provider] { [singleton(FanOutLog.init)] }
    var exports: [Export] { [.type(FanOutLog.self)] }
    var isGlobal: Bool { true }
}

struct OrdersModule: Module {
    var providers: [Provider] { [singleton(OrderRepository.init)] }
    var extensions: [any ModuleExtension] {
        [
            MessagingExtension()
                .bindRequest(PlaceOrder.self, PlaceOrderHandler.init)
                .bindRequest(GetOrder.self, GetOrderHandler.init)
        ]
    }
}

struct NotificationsModule: Module {
    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(OrderPlaced.self, SendOrderConfirmation.init)] }
}

struct AnalyticsModule: Module {
    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(OrderPlaced.self, UpdateSalesStats.init)] }
}

/// Counts `onAppShutdown`, to see that the Waku application was closed.
final class ShutdownProbe: OnApplicationShutdown {
    let closed = Locked(0)
    func onAppShutdown(_ app: WakuApplication) async throws { closed.withLock { $0 += 1 } }
}

struct ShopModule: Module {
    let recorder: Recorder
    var imports: [any Module] {
        [
            HTTPRequestContextModule(),
            MessagingModule(),
            SharedModule(),
            ProbeModule(recorder: recorder),
            OrdersModule(),
            NotificationsModule(),
            AnalyticsModule(),
        ]
    }
}

struct PlaceOrderBody: Decodable {
    let customerId: String
    let items: [OrderLine]
}

/// The routes of the orders API, as in the example.
func addOrderRoutes(to router: Router<BasicWakuRequestContext>) {
    router.post("/orders") { request, context -> EditedResponse<OrderConfirmation> in
        let body = try await request.decode(as: PlaceOrderBody.self, context: context)
        guard !body.items.isEmpty else { throw HTTPError(.badRequest, message: "An order needs at least one item.") }
        let confirmation = try await context.bus.invoke(PlaceOrder(customerId: body.customerId, items: body.items))
        return EditedResponse(status: .created, headers: [.location: "/orders/\(confirmation.orderId)"], response: confirmation)
    }
    router.get("/orders/{id}") { _, context -> OrderView in
        let id = try context.parameters.require("id")
        guard let order = try await context.bus.invoke(GetOrder(id: id)) else {
            throw HTTPError(.notFound, message: "No order \(id).")
        }
        return order
    }
}

/// A router with the Waku middleware and the orders routes.
func makeShopRouter(waku: WakuApplication) -> Router<BasicWakuRequestContext> {
    let router = Router(context: BasicWakuRequestContext.self)
    router.add(middleware: WakuScopeMiddleware(app: waku))
    addOrderRoutes(to: router)
    return router
}

/// Starts a test app over ``ShopModule``; closes it after `body`.
func withShop<R>(
    recorder: Recorder = Recorder(), extensions: [any ApplicationExtension] = [],
    isolation: isolated (any Actor)? = #isolation,
    _ body: (WakuApplication) async throws -> R
) async throws -> R {
    try await withTestApp(base: ShopModule(recorder: recorder), extensions: extensions, isolation: isolation, body)
}
#endif
