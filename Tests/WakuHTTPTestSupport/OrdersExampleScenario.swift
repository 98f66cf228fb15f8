import Foundation
import Testing

/// The orders example's scenario, the same for every HTTP framework: the binary is run as a real
/// client would, on port 0, plain HTTP on 127.0.0.1, then SIGTERM.
package enum OrdersExampleScenario {
    /// Places an order, reads it back, sees the fan-out, and checks a graceful shutdown on SIGTERM.
    ///
    /// - Parameters:
    ///   - binary: The example's executable, built next to the test bundle.
    ///   - portMarker: What precedes the port in the server's "started" log line.
    package static func run(binary: String, portMarker: String) async throws {
        let example = try ExampleProcess(binary: binary)
        defer { example.forceStop() }
        let port = try #require(await example.waitForPort(after: portMarker, timeout: .seconds(60)), "no port in:\n\(example.output)")
        let client = LoopbackClient(port: port)
        defer { client.close() }

        #expect(try await client.get("/health").text == "ok")
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
        #expect((view["placedByRequest"] as? String)?.isEmpty == false)

        #expect(try await client.get("/orders/order-0").status == 404)
        #expect(try await client.post("/orders", json: #"{"customerId": "c", "items": []}"#).status == 400)

        let stats = try #require(try JSONSerialization.jsonObject(with: try await client.get("/stats").body) as? [String: Int])
        #expect(stats == ["ordersPlaced": 1, "itemsOrdered": 3, "confirmationsSent": 1])
        client.close()

        example.terminate()
        let status = await example.waitForExit(timeout: .seconds(30))
        #expect(status == 0, "\(example.output)")
        #expect(example.output.contains("Waku application closed"), "\(example.output)")
        #expect(example.output.contains("\(binary) stopped"), "\(example.output)")
    }
}
