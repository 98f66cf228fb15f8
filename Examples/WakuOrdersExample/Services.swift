import Foundation
import Waku

/// A small lock for the example's in-memory state.
final class Protected<Value: Sendable>: @unchecked Sendable {
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

/// The orders, in memory (the SQLite/PostgreSQL stores are shown by `waku-demo`).
package final class OrderRepository: Sendable {
    private let orders = Protected([String: OrderView]())
    private let nextNumber = Protected(1000)

    func newId() -> String {
        "order-" + String(nextNumber.withLock { number in
            number += 1
            return number
        })
    }

    func save(_ order: OrderView) { orders.withLock { $0[order.id] = order } }
    func find(_ id: String) -> OrderView? { orders.withLock { $0[id] } }
}

/// Confirmation emails "sent" so far (Notifications module).
package final class EmailOutbox: Sendable {
    private let sent = Protected([String]())
    func send(_ text: String) { sent.withLock { $0.append(text) } }
    package var count: Int { sent.withLock { $0.count } }
}

/// Sales figures (Analytics module).
package final class SalesStats: Sendable {
    private let figures = Protected((orders: 0, items: 0))
    func record(items: Int) { figures.withLock { $0 = ($0.orders + 1, $0.items + items) } }
    package var snapshot: (orders: Int, items: Int) { figures.withLock { $0 } }
}
