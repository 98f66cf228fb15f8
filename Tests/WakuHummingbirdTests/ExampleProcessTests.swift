#if Hummingbird
import Foundation
import Testing
import WakuHTTPTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The example is run as a real client would: the `waku-http-example` binary on port 0, plain HTTP on
/// 127.0.0.1, then SIGTERM.
@Suite("waku-http-example, run as a process")
struct ExampleProcessTests {
    @Test("places an order, reads it back, sees the fan-out, and shuts down gracefully on SIGTERM")
    func example() async throws {
        let example = try ExampleProcess(binary: "waku-http-example")
        defer { example.forceStop() }
        let port = try #require(await example.waitForPort(after: "listening on 127.0.0.1:", timeout: .seconds(60)), "no port in:\n\(example.output)")
        let client = LoopbackClient(port: port)
        defer { client.close() }

        #expect(try await client.get("/health").text == "ok")
        try await expectHTTP10HealthCloses(port: port)
        let placed = try await client.post(
            "/orders", json: #"{"customerId": "customer-7", "items": [{"sku": "tea", "quantity": 2}, {"sku": "cups", "quantity": 1}]}"#)
        #expect(placed.status == 201, "\(placed.text)")
        let orderId = try #require(placed.location?.split(separator: "/").last.map(String.init))

        let order = try await client.get("/orders/\(orderId)")
        #expect(order.status == 200)
        let view = try #require(try JSONSerialization.jsonObject(with: order.body) as? [String: Any])
        #expect(view["id"] as? String == orderId)
        #expect(view["customerId"] as? String == "customer-7")
        #expect((view["items"] as? [Any])?.count == 2)
        let placedByRequest = try #require(view["placedByRequest"] as? String)
        #expect(!placedByRequest.isEmpty)

        // The handlers log plainly; the `.waku` metadata provider the example bootstraps adds the
        // request id and the message ids to their lines.
        let placedLine = try #require(example.logLine(containing: "Order placed"), "\(example.output)")
        #expect(placedLine["http.request.id"] == placedByRequest, "\(placedLine)")
        #expect(placedLine["order.id"] == orderId, "\(placedLine)")
        let correlation = try #require(placedLine["waku.message.correlation_id"], "\(placedLine)")
        #expect(placedLine["waku.message.id"] == correlation, "the request is the root message: \(placedLine)")
        let emailLine = try #require(example.logLine(containing: "Confirmation email sent"), "\(example.output)")
        #expect(emailLine["http.request.id"] == placedByRequest, "\(emailLine)")
        #expect(emailLine["waku.message.correlation_id"] == correlation, "\(emailLine)")
        #expect(emailLine["waku.message.causation_id"] == correlation, "\(emailLine)")
        #expect(emailLine["waku.message.type"]?.hasSuffix("OrderPlaced") == true, "\(emailLine)")

        #expect(try await client.get("/orders/order-0").status == 404)
        #expect(try await client.post("/orders", json: #"{"customerId": "c", "items": []}"#).status == 400)

        let stats = try #require(try JSONSerialization.jsonObject(with: try await client.get("/stats").body) as? [String: Int])
        #expect(stats == ["ordersPlaced": 1, "itemsOrdered": 3, "confirmationsSent": 1])
        client.close()

        example.terminate()
        let status = await example.waitForExit(timeout: .seconds(30))
        #expect(status == 0, "\(example.output)")
        #expect(example.output.contains("Waku application closed"), "\(example.output)")
        #expect(example.output.contains("waku-http-example stopped"), "\(example.output)")
    }
}

#endif
