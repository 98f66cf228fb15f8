#if Hummingbird && SQLite
import Atomics
import Foundation
import Waku
import WakuMessaging

// A small shop whose two routed handlers fail during an outage, so the dashboard has something
// to show: receipts on a local queue, stock reservations on a durable SQLite endpoint.

struct OrderPlaced: IEvent, Codable {
    let orderId: String
    let customer: String
}

/// A dependency that is down for customer "outage" until `POST /outage/end` repairs it: the
/// deliveries it fails are dead-lettered, and a replay after the repair succeeds.
final class Warehouse: Sendable {
    private let broken = ManagedAtomic(true)

    func end() { broken.store(false, ordering: .relaxed) }

    func check(_ event: OrderPlaced, _ step: String) throws {
        if event.customer == "outage", broken.load(ordering: .relaxed) {
            throw WarehouseDown(step: step, orderId: event.orderId)
        }
    }
}

struct WarehouseDown: Error, CustomStringConvertible {
    let step: String
    let orderId: String
    var description: String { "warehouse unreachable while \(step) order \(orderId) (connection refused)" }
}

final class SendReceipt: EventHandler {
    private let warehouse: Warehouse
    init(warehouse: Warehouse) { self.warehouse = warehouse }

    func handle(_ event: OrderPlaced) async throws {
        try warehouse.check(event, "printing the receipt of")
    }
}

final class ReserveStock: EventHandler {
    private let warehouse: Warehouse
    init(warehouse: Warehouse) { self.warehouse = warehouse }

    func handle(_ event: OrderPlaced) async throws {
        try warehouse.check(event, "reserving stock for")
    }
}

struct ReceiptsModule: Module {
    var imports: [any Module] { [WarehouseModule()] }
    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(OrderPlaced.self, SendReceipt.init)] }
}

struct StockModule: Module {
    var imports: [any Module] { [WarehouseModule()] }
    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(OrderPlaced.self, ReserveStock.init)] }
}

struct WarehouseModule: Module {
    var providers: [Provider] { [singleton(Warehouse.self, Warehouse.init)] }
    var exports: [Export] { [.type(Warehouse.self)] }
}

struct ShopModule: Module {
    let store: any DurableStore
    var imports: [any Module] {
        // One quick retry, then a dead letter: the page shows them within a second.
        let policy = ErrorPolicy.retry(1, backoff: .milliseconds(50))
        return [
            MessagingModule.register(MessagingConfig(
                endpoints: [
                    .localQueue("receipts", errorPolicy: policy),
                    .durable("stock", errorPolicy: policy, pollInterval: .milliseconds(50)),
                ],
                routing: [
                    routeModule(ReceiptsModule.self).eventsTo("receipts"),
                    routeModule(StockModule.self).eventsTo("stock"),
                ],
                durableStore: store)),
            WarehouseModule(),
            ReceiptsModule(),
            StockModule(),
        ]
    }
    var exports: [Export] { [.module(WarehouseModule.self)] }
}
#endif
