import Foundation
import Waku
import WakuMessaging

/// Prints one line per step, with the message's short correlation id.
final class Trace: Sendable {
    private let step = Locked(0)

    func log(_ text: String) {
        let number = step.withLock { value -> Int in
            value += 1
            return value
        }
        let correlation = MessageContext.current.map { " [correlation \($0.correlationId.uuidString.suffix(6))]" } ?? ""
        print(String(format: "%3d  ", number) + text + correlation)
    }
}

/// A tiny mutex for the demo's own state.
final class Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only touched while holding `lock`.
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

enum Environment: String, Sendable, Hashable {
    case development, production
}

struct AppConfig: Sendable {
    let environment: Environment
    let shopName: String
}

protocol EmailService: Sendable {
    func sendOrderConfirmation(orderId: String, customerId: String) async throws
}

struct ConsoleEmailService: EmailService {
    let trace: Trace
    let config: AppConfig
    func sendOrderConfirmation(orderId: String, customerId: String) async throws {
        trace.log("    email: '\(config.shopName)' confirms \(orderId) to \(customerId)")
    }
}

final class StatsRepository: Sendable {
    private let count = Locked(0)
    func incrementOrders() -> Int {
        count.withLock { value in
            value += 1
            return value
        }
    }
}

final class OrderRepository: Sendable {
    private let orders = Locked([String: Order]())
    private let nextId = Locked(1000)
    func newId() -> String { "order-" + String(nextId.withLock { value in value += 1; return value }) }
    func save(_ order: Order) { orders.withLock { $0[order.id] = order } }
}

/// An aggregate that records domain events while it changes.
final class Order: AggregateRoot {
    let id: String
    let customerId: String
    let items: [String]
    private let events = DomainEvents()

    init(id: String, customerId: String, items: [String]) {
        self.id = id
        self.customerId = customerId
        self.items = items
        events.record(OrderPlaced(orderId: id, customerId: customerId))
    }

    func collectEvents() -> [any IEvent] { events.collect() }
}
