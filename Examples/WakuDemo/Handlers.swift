import Waku
import WakuMessaging

// The seed's handlers, written in Swift.

final class SendConfirmationEmail: EventHandler, Injectable {
    private let emailService: any EmailService
    private let trace: Trace
    init(emailService: any EmailService, trace: Trace) {
        self.emailService = emailService
        self.trace = trace
    }
    static var factory: Factory<SendConfirmationEmail> { Factory(SendConfirmationEmail.init) }

    func handle(_ event: OrderPlaced) async throws {
        trace.log("  NotificationModule.SendConfirmationEmail handles \(event.orderId)")
        try await emailService.sendOrderConfirmation(orderId: event.orderId, customerId: event.customerId)
    }
}

final class UpdateOrderStats: EventHandler {
    private let statsRepo: StatsRepository
    private let trace: Trace
    init(statsRepo: StatsRepository, trace: Trace) {
        self.statsRepo = statsRepo
        self.trace = trace
    }

    func handle(_ event: OrderPlaced) async throws {
        let total = statsRepo.incrementOrders()
        trace.log("  AnalyticsModule.UpdateOrderStats (routed to endpoint 'analytics') counts \(event.orderId): \(total) order(s) so far")
    }
}

final class ReserveStock: EventHandler {
    private let trace: Trace
    init(trace: Trace) { self.trace = trace }

    func handle(_ event: OrderPlaced) async throws {
        trace.log("  OrdersModule.ReserveStock reserves stock for \(event.orderId)")
    }
}

final class PlaceOrderHandler: RequestHandler {
    private let repository: OrderRepository
    private let dispatcher: EventDispatcher
    private let unitOfWork: any OrderStore
    private let trace: Trace
    init(repository: OrderRepository, dispatcher: EventDispatcher, unitOfWork: any OrderStore, trace: Trace) {
        self.repository = repository
        self.dispatcher = dispatcher
        self.unitOfWork = unitOfWork
        self.trace = trace
    }

    func handle(_ request: PlaceOrder) async throws -> OrderConfirmation {
        let order = Order(id: repository.newId(), customerId: request.customerId, items: request.items)
        repository.save(order)
        try await unitOfWork.saveOrder(id: order.id, customerId: order.customerId)
        trace.log("  OrdersModule.PlaceOrderHandler saved \(order.id) in the unit of work; dispatching its domain events")
        try await dispatcher.dispatch(order)
        return OrderConfirmation(orderId: order.id, total: request.items.count * 10)
    }
}

/// A global pipeline behavior: wraps every request and every event handler execution.
struct LoggingBehavior: IPipelineBehavior, Injectable {
    let trace: Trace
    static var factory: Factory<LoggingBehavior> { Factory(LoggingBehavior.init) }

    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        let name = context.messageType.split(separator: ".").last.map(String.init) ?? context.messageType
        trace.log("→ LoggingBehavior enters \(name)")
        let result = try await next()
        trace.log("← LoggingBehavior leaves \(name)")
        return result
    }
}

/// Routed to the durable "fulfilment" endpoint: persisted first, then handled by a worker, so it
/// survives a crash (at-least-once).
final class ReserveShipment: EventHandler {
    private let trace: Trace
    init(trace: Trace) { self.trace = trace }

    func handle(_ event: OrderPlaced) async throws {
        trace.log("  FulfilmentModule.ReserveShipment (durable endpoint 'fulfilment') books a courier for \(event.orderId)")
    }
}
