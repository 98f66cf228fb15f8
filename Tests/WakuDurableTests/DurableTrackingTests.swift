#if SQLite
import Foundation
import Testing
import Waku
import WakuMessaging
import WakuSQLite
import WakuTesting

// `trackMessages` follows deliveries routed to durable endpoints through the hooks the endpoint
// reports: until the row is finalized, across cascades, and to the end of deliveries that will
// never run (an outbox that rolled back, a stop that interrupted them), so tests publish to a
// durable endpoint and wait for the handler without polling.

struct TrackedOrder: IEvent, Codable {
    let id: Int
}

struct TrackedInvoice: IEvent, Codable {
    let id: Int
}

/// Publishes `TrackedOrder(id)` in its transaction, then fails if asked to.
struct PlaceTrackedOrder: IRequest {
    typealias Response = Void
    let id: Int
    let fail: Bool
}

struct TrackedOrderFailed: Error, Equatable {
    let id: Int
}

/// What the order handler does before it records the order; the last one captured wins.
struct OrderHold: Sendable {
    let run: @Sendable (Int) async throws -> Void
}

struct PlaceTrackedOrderHandler: RequestHandler {
    let publisher: any IPublisher
    func handle(_ request: PlaceTrackedOrder) async throws {
        try await publisher.publish(TrackedOrder(id: request.id))
        if request.fail { throw TrackedOrderFailed(id: request.id) }
    }
}

/// Records the order, then cascades: publishes its invoice to the same durable endpoint.
struct RecordTrackedOrder: EventHandler {
    let probe: Probe
    let publisher: any IPublisher
    func handle(_ event: TrackedOrder) async throws {
        probe.bump("order.started")
        try await probe.captured("order.hold", as: OrderHold.self).last?.run(event.id)
        probe.record("order \(event.id)")
        try await publisher.publish(TrackedInvoice(id: event.id))
    }
}

struct RecordTrackedInvoice: EventHandler {
    let probe: Probe
    func handle(_ event: TrackedInvoice) async throws { probe.record("invoice \(event.id)") }
}

struct TrackedOrdersModule: Module {
    var extensions: [any ModuleExtension] {
        [
            MessagingExtension()
                .bindRequest(PlaceTrackedOrder.self, PlaceTrackedOrderHandler.init, behaviors: [TransactionalBehavior.self])
                .bindEvent(TrackedOrder.self, RecordTrackedOrder.init)
                .bindEvent(TrackedInvoice.self, RecordTrackedInvoice.init),
        ]
    }
}

struct TrackedOrdersRoot: Module {
    let store: SQLiteDurableStore
    let probe: Probe
    let stopTimeout: Duration

    var imports: [any Module] {
        [
            MessagingModule.register(MessagingConfig(
                endpoints: [.durable("jobs", concurrency: 1, stopTimeout: stopTimeout, pollInterval: .milliseconds(20))],
                routing: [route(TrackedOrder.self).to("jobs"), route(TrackedInvoice.self).to("jobs")],
                durableStore: store)),
            TrackedOrdersModule(),
        ]
    }
    var providers: [Provider] { [object(probe)] + store.unitOfWorkProviders() }
    var exports: [Export] { [.type(Probe.self), .type((any IUnitOfWork).self)] }
}

@Suite("Tracked sessions on durable endpoints", .timeLimit(.minutes(2)))
struct DurableTrackingTests {
    @Test("a tracked session ends once durable deliveries and their cascades are finalized; rolled-back outbox messages end as abandoned")
    func outboxAndCascades() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        let probe = Probe()
        try await withTestApp(WakuFactory(TrackedOrdersRoot(store: store, probe: probe, stopTimeout: .seconds(5)))) { app in
            let (_, session) = try await trackMessages(app, timeout: .seconds(10)) {
                // Rolled back by TransactionalBehavior: the order is never stored.
                await #expect(throws: TrackedOrderFailed(id: 1)) {
                    try await app.withContainer { try await $0.get((any ISender).self).invoke(PlaceTrackedOrder(id: 1, fail: true)) }
                }
                // Rolled back by withUnitOfWork.
                await #expect(throws: TrackedOrderFailed(id: 2)) {
                    try await app.withContainer { container in
                        try await withUnitOfWork(try await container.get((any IUnitOfWork).self)) {
                            try await container.get((any IPublisher).self).publish(TrackedOrder(id: 2))
                            throw TrackedOrderFailed(id: 2)
                        }
                    }
                }
                try await app.withContainer { try await $0.get((any ISender).self).invoke(PlaceTrackedOrder(id: 3, fail: false)) }
            }
            #expect(session.abandoned.compactMap { ($0.envelope.payload as? TrackedOrder)?.id } == [1, 2])
            #expect(session.handlers(of: TrackedOrder.self) == ["RecordTrackedOrder"])
            #expect(session.handlers(of: TrackedInvoice.self) == ["RecordTrackedInvoice"])
            #expect(session.handled.filter { $0.endpoint == "jobs" }.count == 2)
            // Read at once, without polling: the session ended after both rows were finalized.
            #expect(probe.log == ["order 3", "invoice 3"])
            #expect(try await store.handledCount(endpoint: "jobs") == 2)
            #expect(try await store.pendingCount(endpoint: "jobs") == 0)
        }
        await store.shutdown()
    }

    @Test("deliveries a durable stop interrupts, started or not, end as abandoned for a tracked session")
    func stopInterrupts() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        let probe = Probe()
        // The first order holds the only worker until the stop cancels it.
        probe.capture("order.hold", OrderHold { _ in
            try await Task.sleep(for: .seconds(600))
        })
        let app = try await WakuFactory(TrackedOrdersRoot(store: store, probe: probe, stopTimeout: .milliseconds(200))).create()
        try await app.initialize()
        let tracking = Task {
            try await trackMessages(app, timeout: .seconds(20)) {
                // Due at the same instant, so one claim takes both rows: the second never starts.
                let due = DeliveryOptions(scheduledAt: Date().addingTimeInterval(0.1))
                try await app.withContainer { container in
                    let publisher = try await container.get((any IPublisher).self)
                    try await publisher.publish(TrackedOrder(id: 1), options: due)
                    try await publisher.publish(TrackedOrder(id: 2), options: due)
                }
            }
        }
        #expect(await probe.signal("order.started").reach(1))
        try await app.close()
        let session = try await tracking.value.session
        #expect(session.abandoned.compactMap { ($0.envelope.payload as? TrackedOrder)?.id }.sorted() == [1, 2])
        #expect(session.handled.isEmpty)
        #expect(probe.count("order.started") == 1)
        // Released for another run, not spent.
        #expect(try await store.pendingCount(endpoint: "jobs") == 2)
        await store.shutdown()
    }
}
#endif
