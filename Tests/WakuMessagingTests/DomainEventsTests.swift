import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Domain events: an aggregate records events with DomainEvents; EventDispatcher publishes what it
// collected, in recording order; collecting empties the aggregate.

struct CartOpened: IEvent {
    let cartId: String
}

struct ItemAdded: IEvent {
    let cartId: String
    let item: String
}

final class Cart: AggregateRoot {
    let id: String
    private let events = DomainEvents()

    init(id: String) {
        self.id = id
        events.record(CartOpened(cartId: id))
    }

    func add(_ item: String) { events.record(ItemAdded(cartId: id, item: item)) }

    func collectEvents() -> [any IEvent] { events.collect() }
}

struct CartOpenedHandler: EventHandler {
    let probe: Probe
    func handle(_ event: CartOpened) async throws { probe.record("opened \(event.cartId)") }
}

struct ItemAddedHandler: EventHandler {
    let probe: Probe
    func handle(_ event: ItemAdded) async throws { probe.record("added \(event.item) to \(event.cartId)") }
}

struct ItemAddedAudit: EventHandler {
    let probe: Probe
    func handle(_ event: ItemAdded) async throws { probe.record("audit \(event.item)") }
}

/// A request whose handler saves an aggregate and dispatches its events through the injected
/// EventDispatcher, as the seed's infrastructure bridge does.
struct FillCart: IRequest {
    typealias Response = Int
    let items: [String]
}

struct FillCartHandler: RequestHandler {
    let dispatcher: EventDispatcher
    func handle(_ request: FillCart) async throws -> Int {
        let cart = Cart(id: "cart-1")
        for item in request.items { cart.add(item) }
        try await dispatcher.dispatch(cart)
        return cart.collectEvents().count
    }
}

private func cartModule() -> OrdersModule {
    OrdersModule(extensions: [
        MessagingExtension()
            .bindEvent(CartOpened.self, CartOpenedHandler.init)
            .bindEvent(ItemAdded.self, ItemAddedHandler.init)
            .bindEvent(ItemAdded.self, ItemAddedAudit.init)
            .bindRequest(FillCart.self, FillCartHandler.init),
    ])
}

@Suite("Domain events")
struct DomainEventsTests {
    @Test("DomainEvents.collect returns events in recording order and empties the store")
    func collectEmpties() {
        let cart = Cart(id: "c")
        cart.add("tea")
        let first = cart.collectEvents()
        #expect(first.count == 2)
        #expect(first[0] is CartOpened)
        #expect((first[1] as? ItemAdded)?.item == "tea")
        #expect(cart.collectEvents().isEmpty)
        cart.add("cups")
        #expect(cart.collectEvents().map { ($0 as? ItemAdded)?.item } == ["cups"])
    }

    @Test("EventDispatcher publishes an aggregate's collected events in order, to each event's handlers")
    func dispatcherPublishesInOrder() async throws {
        let probe = Probe()
        let cart = Cart(id: "c-9")
        cart.add("tea")
        cart.add("cups")
        try await withApp([cartModule()], probe: probe) { app in
            try await app.withContainer { container in
                try await container.get(EventDispatcher.self).dispatch(cart)
            }
        }
        #expect(probe.log == ["opened c-9", "added tea to c-9", "audit tea", "added cups to c-9", "audit cups"])
        #expect(cart.collectEvents().isEmpty)
    }

    @Test("a handler dispatches its aggregate's events through an injected EventDispatcher")
    func dispatchFromHandler() async throws {
        let probe = Probe()
        let remaining = try await withApp([cartModule()], probe: probe) { app in
            try await inScope(app) { bus in try await bus.invoke(FillCart(items: ["pot"])) }
        }
        #expect(remaining == 0)
        #expect(probe.log == ["opened cart-1", "added pot to cart-1", "audit pot"])
    }

    @Test("DomainEvents is safe to record into from many tasks at once")
    func concurrentRecording() async {
        let cart = Cart(id: "busy")
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask { cart.add("item-\(index)") }
            }
        }
        let events = cart.collectEvents()
        #expect(events.count == 201)
        #expect(Set(events.compactMap { ($0 as? ItemAdded)?.item }).count == 200)
    }
}
