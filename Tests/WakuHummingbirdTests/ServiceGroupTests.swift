#if Hummingbird
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Testing
import Waku
import WakuHummingbird
import WakuMessaging
import WakuHTTPTestSupport
import WakuTesting

@Suite("WakuApplication and the HTTP server in one ServiceGroup")
struct ServiceGroupTests {
    @Test("serves real HTTP on 127.0.0.1, then a graceful shutdown stops the server and closes the Waku app")
    func runAndShutDown() async throws {
        let recorder = Recorder()
        let shutdown = ShutdownProbe()
        let waku = try await WakuFactory(ShopModule(recorder: recorder), extensions: [shutdown], logger: quietLogger).create()
        // Initialized before the group starts, as the example does, so no request can come first.
        try await waku.initialize()

        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let router = makeShopRouter(waku: waku)
        addProbeRoute(to: router)
        let http = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: quietLogger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [waku, http], logger: quietLogger))

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }

            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            #expect(port > 0)
            let client = LoopbackClient(port: port)

            let placed = try await client.post("/orders", json: #"{"customerId": "c-1", "items": [{"sku": "tea", "quantity": 1}]}"#)
            #expect(placed.status == 201)
            let confirmation = try JSONDecoder().decode(OrderConfirmation.self, from: placed.body)
            #expect(placed.location == "/orders/\(confirmation.orderId)")

            let fetched = try await client.get("/orders/\(confirmation.orderId)")
            #expect(fetched.status == 200)
            #expect(try JSONDecoder().decode(OrderView.self, from: fetched.body).customerId == "c-1")
            #expect(try await client.get("/orders/unknown").status == 404)

            let first = try JSONDecoder().decode(ProbeReport.self, from: try await client.get("/probe/one").body)
            let second = try JSONDecoder().decode(ProbeReport.self, from: try await client.get("/probe/two").body)
            #expect(first.first == first.second)
            #expect(first.first != second.first)
            #expect(await recorder.wait { $0.finalizedIDs.count == 2 })

            #expect(waku.isInitialized)
            #expect(shutdown.closed.withLock { $0 } == 0)
            client.close()

            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()

            // Both stopped: the Waku app ran its close hooks, and nothing listens on the port.
            #expect(!waku.isInitialized)
            #expect(shutdown.closed.withLock { $0 } == 1)
            let late = LoopbackClient(port: port)
            defer { late.close() }
            await #expect(throws: (any Error).self) { _ = try await late.get("/orders/unknown") }
        }
        #expect(Set(recorder.finalizedIDs) == Set(recorder.createdIDs))
    }
}
#endif
