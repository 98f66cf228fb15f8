import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// `app.describe(format:)` with the message bus: MessagingModule contributes message flow, each
// message type with its handlers, their modules, and the endpoint each is routed to.

struct PicPlaceOrder: IRequest { typealias Response = Int }
struct PicOrderPlaced: IEvent, Codable { let id: Int }

struct PicPlaceOrderHandler: RequestHandler {
    func handle(_ request: PicPlaceOrder) async throws -> Int { 1 }
}

struct PicReserveStock: EventHandler {
    func handle(_ event: PicOrderPlaced) async throws {}
}

struct PicUpdateStats: EventHandler {
    func handle(_ event: PicOrderPlaced) async throws {}
}

struct PicPostToLedger: EventHandler {
    func handle(_ event: PicOrderPlaced) async throws {}
}

/// A durable store that is never used: these tests only build the application.
struct PicUnusedStore: DurableStore {
    struct Unused: Error {}
    func prepare() async throws { throw Unused() }
    func insert(_ deliveries: [StoredDelivery]) async throws { throw Unused() }
    func claim(endpoint: String, owner: String, token: ClaimToken, limit: Int, lease: Duration) async throws -> [StoredDelivery] {
        throw Unused()
    }
    func extendLeases(_ tokens: [ClaimToken], lease: Duration) async throws -> Int { throw Unused() }
    func complete(_ ids: [Int64], token: ClaimToken) async throws -> Int { throw Unused() }
    func retry(_ id: Int64, token: ClaimToken, availableAt: Date, error: String) async throws -> Bool { throw Unused() }
    func deadLetter(_ id: Int64, token: ClaimToken, error: String) async throws -> Bool { throw Unused() }
    func release(_ ids: [Int64], token: ClaimToken) async throws -> Int { throw Unused() }
    func release(owner: String) async throws -> Int { throw Unused() }
    func deadLetters(endpoint: String?) async throws -> [StoredDelivery] { throw Unused() }
    func replayDeadLetters(_ ids: [Int64]) async throws -> Int { throw Unused() }
    func purgeDeadLetters() async throws -> Int { throw Unused() }
    func pendingCount(endpoint: String?) async throws -> Int { throw Unused() }
    func handledCount(endpoint: String?) async throws -> Int { throw Unused() }
    func beginTransaction() async throws -> any DurableTransaction { throw Unused() }
    func shutdown() async {}
}

/// Orders handles the request and one event handler inline; analytics is routed to a local
/// queue, billing to a durable endpoint.
private func makePicApp() async throws -> WakuApplication {
    let config = MessagingConfig(
        endpoints: [.localQueue("analytics"), .durable("ledger")],
        routing: [routeModule(AnalyticsModule.self).eventsTo("analytics"), routeModule(BillingModule.self).eventsTo("ledger")],
        durableStore: PicUnusedStore())
    let modules: [any Module] = [
        OrdersModule(extensions: [
            MessagingExtension()
                .bindRequest(PicPlaceOrder.self, PicPlaceOrderHandler.init)
                .bindEvent(PicOrderPlaced.self, PicReserveStock.init)
        ]),
        AnalyticsModule(extensions: [MessagingExtension().bindEvent(PicOrderPlaced.self, PicUpdateStats.init)]),
        BillingModule(extensions: [MessagingExtension().bindEvent(PicOrderPlaced.self, PicPostToLedger.init)]),
    ]
    return try await WakuFactory(makeRoot(modules, config: config)).create()
}

private func splitLines(_ text: String) -> [String] {
    text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
}

@Suite struct DescribeMessagingTests {
    @Test func messageFlowListsHandlersModulesAndEndpoints() async throws {
        let app = try await makePicApp()
        let flows = app.describe().flows
        typealias Handler = ApplicationDescription.FlowHandler

        #expect(flows.map(\.name) == ["PicPlaceOrder", "PicOrderPlaced"])
        #expect(flows.map(\.kind) == ["request", "event"])
        #expect(flows[0].handlers == [Handler(handler: "PicPlaceOrderHandler", module: "OrdersModule", route: .inline)])
        #expect(flows[1].handlers == [
            Handler(handler: "PicReserveStock", module: "OrdersModule", route: .inline),
            Handler(handler: "PicUpdateStats", module: "AnalyticsModule", route: .endpoint("analytics", kind: "local queue", style: .queued)),
            Handler(handler: "PicPostToLedger", module: "BillingModule", route: .endpoint("ledger", kind: "durable", style: .durable)),
        ])
        #expect(!app.isInitialized, "describing reads the built application; it starts nothing")
    }

    @Test func dotDrawsMessageToHandlerEdgesWithTheirEndpoints() async throws {
        let dot = try await makePicApp().describe(format: .dot)
        let lines = splitLines(dot)

        #expect(lines.contains("subgraph cluster_flows {"))
        #expect(lines.contains("f0 [shape=cds, style=filled, fillcolor=\"#fff2cc\", color=\"#b58900\", label=\"PicPlaceOrder\\nrequest\"];"))
        #expect(lines.contains("f1 [shape=cds, style=filled, fillcolor=\"#fff2cc\", color=\"#b58900\", label=\"PicOrderPlaced\\nevent\"];"))
        #expect(lines.contains(
            "h0 [shape=box, style=\"rounded,filled\", fillcolor=\"#e8f5e9\", color=\"#2e7d32\", label=\"PicPlaceOrderHandler\\nin OrdersModule\"];"))
        #expect(lines.contains(
            "h2 [shape=box, style=\"rounded,filled\", fillcolor=\"#e8f5e9\", color=\"#2e7d32\", label=\"PicUpdateStats\\nin AnalyticsModule\"];"))
        #expect(lines.contains(
            "h3 [shape=box, style=\"rounded,filled\", fillcolor=\"#e8f5e9\", color=\"#2e7d32\", label=\"PicPostToLedger\\nin BillingModule\"];"))
        #expect(lines.contains("f0 -> h0 [label=\"inline\"];"))
        #expect(lines.contains("f1 -> h1 [label=\"inline\"];"))
        #expect(lines.contains("f1 -> h2 [label=\"analytics (local queue)\", style=dashed, color=\"#1565c0\", fontcolor=\"#1565c0\"];"))
        #expect(lines.contains("f1 -> h3 [label=\"ledger (durable)\", style=bold, penwidth=2, color=\"#c62828\", fontcolor=\"#c62828\"];"))
        // The registry's bookkeeping (requirement anchors for each binding) stays out of the picture.
        #expect(!dot.contains("requirement") && !dot.contains("binding "))
    }

    @Test func mermaidDrawsTheSameFlow() async throws {
        let mermaid = try await makePicApp().describe(format: .mermaid)
        let lines = splitLines(mermaid)

        #expect(lines.contains("f1[/\"PicOrderPlaced<br/><i>event</i>\"/]"))
        #expect(lines.contains("h3(\"PicPostToLedger<br/><i>in BillingModule</i>\")"))
        #expect(lines.contains("f0 -->|\"inline\"| h0"))
        #expect(lines.contains("f1 -->|\"inline\"| h1"))
        #expect(lines.contains("f1 -.->|\"analytics (local queue)\"| h2"))
        #expect(lines.contains("f1 ==>|\"ledger (durable)\"| h3"))
        #expect(!mermaid.contains("requirement"))
    }

    @Test func messagingModuleAppearsAsAGlobalDynamicModule() async throws {
        let app = try await makePicApp()
        let messaging = try #require(app.describe().modules.first { $0.name == "MessagingModule" })
        #expect(messaging.isGlobal && messaging.isDynamic)
        #expect(messaging.exports.map(\.name).contains("IPublisher"))
        #expect(messaging.providers.contains(.init(type: "MessageRegistry", lifetime: .object)))
        #expect(messaging.providers.contains(.init(type: "MessageBus", lifetime: .scoped)))
        #expect(messaging.providers.contains(.init(type: "IPublisher", lifetime: .transient)))
        // The handlers registered on the modules' behalf are request-scoped providers there.
        let billing = try #require(app.describe().modules.first { $0.name == "BillingModule" })
        #expect(billing.providers.map(\.description) == ["scoped PicPostToLedger"])
    }

    @Test func describingTwiceGivesTheSameText() async throws {
        let first = try await makePicApp(), second = try await makePicApp()
        for format in DescriptionFormat.allCases {
            #expect(first.describe(format: format) == second.describe(format: format))
        }
    }
}
