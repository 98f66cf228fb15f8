import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Contracts: events and requests are plain structs; users' own base protocols work; requests
// default to a `Void` response; `invoke` returns the statically typed response.

/// A user's own base protocol, as in the seed's `DomainEvent(IEvent)`.
protocol ShopEvent: IEvent {
    var occurredAt: Date { get }
}

struct OrderPlaced: ShopEvent, Equatable {
    let orderId: String
    let customerId: String
    var occurredAt = Date(timeIntervalSince1970: 1_000)
}

struct OrderShipped: ShopEvent, Equatable {
    let orderId: String
    let trackingNumber: String
    var occurredAt = Date(timeIntervalSince1970: 2_000)
}

struct OrderConfirmation: Sendable, Equatable {
    let orderId: String
    let total: Int
}

struct PlaceOrder: IRequest {
    typealias Response = OrderConfirmation
    let customerId: String
    let items: [String]
}

/// No `Response` declared: it defaults to `Void`.
struct ArchiveOrder: IRequest {
    let orderId: String
}

struct SendConfirmationEmail: EventHandler {
    let probe: Probe
    func handle(_ event: OrderPlaced) async throws {
        probe.record("email \(event.orderId) to \(event.customerId) at \(Int(event.occurredAt.timeIntervalSince1970))")
    }
}

struct UpdateOrderStats: EventHandler {
    let probe: Probe
    func handle(_ event: OrderPlaced) async throws {
        probe.record("stats \(event.orderId)")
    }
}

struct NotifyShipment: EventHandler {
    let probe: Probe
    func handle(_ event: OrderShipped) async throws {
        probe.record("shipped \(event.orderId) via \(event.trackingNumber)")
    }
}

struct PlaceOrderHandler: RequestHandler {
    let probe: Probe
    func handle(_ request: PlaceOrder) async throws -> OrderConfirmation {
        probe.record("place for \(request.customerId)")
        return OrderConfirmation(orderId: "order-\(request.customerId)", total: request.items.count * 10)
    }
}

struct ArchiveOrderHandler: RequestHandler {
    let probe: Probe
    func handle(_ request: ArchiveOrder) async throws {
        probe.record("archive \(request.orderId)")
    }
}

/// Publishes through the user's base protocol, generically.
func publishShopEvent<E: ShopEvent>(_ event: E, with publisher: any IPublisher) async throws {
    try await publisher.publish(event)
}

private func shopModule() -> OrdersModule {
    OrdersModule(extensions: [
        MessagingExtension()
            .bindEvent(OrderPlaced.self, SendConfirmationEmail.init)
            .bindEvent(OrderShipped.self, NotifyShipment.init)
            .bindRequest(PlaceOrder.self, PlaceOrderHandler.init)
            .bindRequest(ArchiveOrder.self, ArchiveOrderHandler.init),
    ])
}

@Suite("Contracts")
struct ContractsTests {
    @Test("invoke returns the request's statically typed response")
    func invokeReturnsTypedResponse() async throws {
        let probe = Probe()
        let confirmation = try await withApp([shopModule()], probe: probe) { app in
            try await inScope(app) { bus in
                let confirmation: OrderConfirmation = try await bus.invoke(PlaceOrder(customerId: "c-7", items: ["tea", "cups", "pot"]))
                return confirmation
            }
        }
        #expect(confirmation == OrderConfirmation(orderId: "order-c-7", total: 30))
        #expect(probe.log == ["place for c-7"])
    }

    @Test("a request without a declared Response defaults to Void")
    func requestDefaultsToVoid() async throws {
        // Compile-time: the associated type defaulted to Void.
        let responseType: Void.Type = ArchiveOrder.Response.self
        #expect(responseType == Void.self)
        let probe = Probe()
        try await withApp([shopModule()], probe: probe) { app in
            try await inScope(app) { bus in
                let nothing: Void = try await bus.invoke(ArchiveOrder(orderId: "o-1"))
                _ = nothing
                try await bus.send(ArchiveOrder(orderId: "o-2"))
            }
        }
        #expect(probe.log == ["archive o-1", "archive o-2"])
    }

    @Test("events are structs, and a user's own base protocol over IEvent works")
    func ownBaseProtocol() async throws {
        let probe = Probe()
        try await withApp([shopModule()], probe: probe) { app in
            try await inScope(app) { bus in
                try await publishShopEvent(OrderPlaced(orderId: "o-1", customerId: "c-1"), with: bus)
                let pending: [any ShopEvent] = [
                    OrderShipped(orderId: "o-1", trackingNumber: "TRK-9"),
                    OrderPlaced(orderId: "o-2", customerId: "c-2", occurredAt: Date(timeIntervalSince1970: 3_000)),
                ]
                for event in pending { try await bus.publish(event) }
            }
        }
        #expect(probe.log == [
            "email o-1 to c-1 at 1000",
            "shipped o-1 via TRK-9",
            "email o-2 to c-2 at 3000",
        ])
    }
}
