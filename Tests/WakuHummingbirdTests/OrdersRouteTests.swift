#if Hummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Waku
import WakuHummingbird
import WakuMessaging
import WakuTesting

@Suite("The orders API over the message bus")
struct OrdersRouteTests {
    let placeOrder = #"{"customerId": "customer-7", "items": [{"sku": "tea", "quantity": 2}, {"sku": "cups", "quantity": 4}]}"#

    @Test("POST /orders, then GET /orders/{id} returns the order")
    func roundTrip() async throws {
        let placeOrder = self.placeOrder
        try await withShop { waku in
            let app = Application(router: makeShopRouter(waku: waku), logger: quietLogger)
            try await app.test(.router) { client in
                let (location, confirmation) = try await client.execute(
                    uri: "/orders", method: .post, headers: [.contentType: "application/json"], body: json(placeOrder)
                ) { response in
                    #expect(response.status == .created)
                    return (response.headers[.location], try decode(OrderConfirmation.self, response.body))
                }
                #expect(location == "/orders/\(confirmation.orderId)")

                let order = try await client.execute(uri: "/orders/\(confirmation.orderId)", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                    return try decode(OrderView.self, response.body)
                }
                #expect(order.id == confirmation.orderId)
                #expect(order.customerId == "customer-7")
                #expect(order.items == [OrderLine(sku: "tea", quantity: 2), OrderLine(sku: "cups", quantity: 4)])
                // The message handler got the request id from the HTTP request's scope.
                #expect(!order.placedByRequest.isEmpty)
            }
        }
    }

    @Test("OrderPlaced fans out to the handlers of two modules")
    func fanOut() async throws {
        let placeOrder = self.placeOrder
        try await withShop { waku in
            let app = Application(router: makeShopRouter(waku: waku), logger: quietLogger)
            try await app.test(.router) { client in
                let (orderId, session) = try await trackMessages(waku) {
                    try await client.execute(uri: "/orders", method: .post, body: json(placeOrder)) { response in
                        #expect(response.status == .created)
                        return try decode(OrderConfirmation.self, response.body).orderId
                    }
                }
                #expect(session.published(PlaceOrder.self).count == 1)
                #expect(session.published(OrderPlaced.self).map(\.orderId) == [orderId])
                #expect(session.handlers(of: OrderPlaced.self).sorted() == ["SendOrderConfirmation", "UpdateSalesStats"])
                #expect(session.failed.isEmpty)

                let log = try await waku.container.get(FanOutLog.self)
                #expect(log.all.sorted() == ["analytics:\(orderId)", "notifications:\(orderId)"])
            }
        }
    }

    @Test("GET /orders/{id} for an unknown id is 404")
    func unknownOrder() async throws {
        try await withShop { waku in
            let app = Application(router: makeShopRouter(waku: waku), logger: quietLogger)
            try await app.test(.router) { client in
                try await client.execute(uri: "/orders/order-404", method: .get) { response in
                    #expect(response.status == .notFound)
                }
            }
        }
    }

    @Test("a malformed or empty order is 400 and sends nothing")
    func badRequest() async throws {
        try await withShop { waku in
            let app = Application(router: makeShopRouter(waku: waku), logger: quietLogger)
            try await app.test(.router) { client in
                let (_, session) = try await trackMessages(waku) {
                    try await client.execute(uri: "/orders", method: .post, body: json("{not json")) { response in
                        #expect(response.status == .badRequest)
                    }
                    try await client.execute(uri: "/orders", method: .post, body: json(#"{"customerId": "c", "items": []}"#)) { response in
                        #expect(response.status == .badRequest)
                    }
                }
                #expect(session.published.isEmpty)
            }
        }
    }

    @Test("the orders round trip over real HTTP on loopback (HummingbirdTesting .live)")
    func liveRoundTrip() async throws {
        let placeOrder = self.placeOrder
        let recorder = Recorder()
        try await withShop(recorder: recorder) { waku in
            let router = makeShopRouter(waku: waku)
            addProbeRoute(to: router)
            let app = Application(router: router, logger: quietLogger)
            try await app.test(.live) { client in
                #expect(client.port != nil)
                let confirmation = try await client.execute(uri: "/orders", method: .post, body: json(placeOrder)) { response in
                    #expect(response.status == .created)
                    return try decode(OrderConfirmation.self, response.body)
                }
                try await client.execute(uri: "/orders/\(confirmation.orderId)", method: .get) { response in
                    #expect(response.status == .ok)
                    let order = try decode(OrderView.self, response.body)
                    #expect(order.id == confirmation.orderId)
                }
                try await client.execute(uri: "/orders/nope", method: .get) { response in
                    #expect(response.status == .notFound)
                }
                let report = try await client.execute(uri: "/probe/live", method: .get) { response in
                    try decode(ProbeReport.self, response.body)
                }
                #expect(report.first == report.second)
                #expect(report.path == "/probe/live")
            }
            let log = try await waku.container.get(FanOutLog.self)
            #expect(log.all.count == 2)
            #expect(await recorder.wait { $0.finalizedIDs.count == 1 })
        }
    }
}
#endif
