#if Hummingbird
import Foundation
import Atomics
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import Waku
import WakuMessaging
#if SQLite
import WakuSQLite
#endif

@Suite("The operator dashboard over HTTP")
struct DashboardPageTests {
    static let hostile = #"<script>alert("owned")</script>"#

    @Test("a local queue: its row, its dead letter escaped, replay and purge behind confirmation")
    func localQueue() async throws {
        try await withDashboard(endpoint: .localQueue("parcels", errorPolicy: .deadLetter)) { waku, gate, client in
            try await publish(waku, Parcel(label: Self.hostile))
            try await publish(waku, Parcel(label: "second"))
            try await eventually("two dead letters are listed") { references(in: try await page(client, "/ops/dead-letters")).count == 2 }

            let endpoints = try await page(client, "/ops")
            #expect(field("dead-lettered", of: "parcels", in: endpoints) == "2")
            #expect(field("failed", of: "parcels", in: endpoints) == "2")
            #expect(field("handled", of: "parcels", in: endpoints) == "0")
            #expect(endpoints.contains("local queue"))

            let list = try await page(client, "/ops/dead-letters")
            let refs = references(in: list)
            #expect(refs.allSatisfy { $0.hasPrefix("local-") })
            #expect(list.contains("gate closed &lt;b&gt;for now&lt;/b&gt;"), "the error is escaped in the list")

            // The hostile payload is shown, escaped, on the dead letter's page.
            let detail = try await page(client, "/ops/dead-letters/\(refs[0])")
            #expect(!detail.contains("<script>"))
            #expect(detail.contains("&lt;script&gt;alert("), "the payload is shown, escaped")
            #expect(detail.contains("Deliver"))

            // Replay needs the confirmation field, and refuses a cross-site form.
            let (unconfirmed, _) = try await submit(client, "/ops/dead-letters/replay", [("ref", refs[0])])
            #expect(unconfirmed == .badRequest)
            let (crossSite, _) = try await submit(
                client, "/ops/dead-letters/replay", [("ref", refs[0]), ("confirm", "yes")], headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
            #expect(crossSite == .forbidden)
            let (foreignOrigin, _) = try await submit(
                client, "/ops/dead-letters/purge", [("confirm", "yes")], headers: [.origin: "http://evil.example"])
            #expect(foreignOrigin == .forbidden)
            #expect(references(in: try await page(client, "/ops/dead-letters")).count == 2, "nothing was replayed or purged")

            // The confirmation page counts what the action will change.
            let confirm = try await page(client, "/ops/dead-letters/confirm?action=replay&ref=\(refs[0])")
            #expect(confirm.contains("<strong id=\"matching\">1</strong>"))

            gate.failing.store(false, ordering: .relaxed)
            let (replayed, location) = try await submit(client, "/ops/dead-letters/replay", [("ref", refs[0]), ("confirm", "yes")])
            #expect(replayed == .seeOther)
            #expect(location?.hasPrefix("/ops/dead-letters") == true)
            #expect(location?.contains("Replayed%201%20dead%20letter.") == true, "\(location ?? "no location")")
            try await eventually("the replayed delivery ran") { gate.handled.load(ordering: .relaxed) == 1 }
            #expect(references(in: try await page(client, "/ops/dead-letters")) == [refs[1]])

            // Purge what a filter matches.
            let (purged, purgeLocation) = try await submit(client, "/ops/dead-letters/purge", [("endpoint", "parcels"), ("confirm", "yes")])
            #expect(purged == .seeOther)
            #expect(purgeLocation?.contains("Purged%201%20dead%20letter.") == true)
            let after = try await page(client, "/ops/dead-letters")
            #expect(references(in: after).isEmpty)
            #expect(after.contains("No dead letters match."))
            let endpointsAfter = try await page(client, "/ops")
            #expect(field("handled", of: "parcels", in: endpointsAfter) == "1")
            #expect(field("dead-lettered", of: "parcels", in: endpointsAfter) == "0")
        }
    }

    @Test("bad input is answered 400 or 404 with a page, never a crash")
    func badInput() async throws {
        try await withDashboard(endpoint: .localQueue("parcels", errorPolicy: .deadLetter)) { _, _, client in
            _ = try await page(client, "/ops/dead-letters/durable-abc", status: .badRequest)
            _ = try await page(client, "/ops/dead-letters/local-\(UUID().uuidString)", status: .notFound)
            _ = try await page(client, "/ops/dead-letters?older=soon", status: .badRequest)
            _ = try await page(client, "/ops/dead-letters/confirm?action=explode", status: .badRequest)
            let (status, _) = try await submit(client, "/ops/dead-letters/purge", [("ref", "nonsense"), ("confirm", "yes")])
            #expect(status == .badRequest)
        }
    }

    @Test("the application page shows modules and the message flow")
    func application() async throws {
        try await withDashboard(endpoint: .localQueue("parcels")) { _, _, client in
            let html = try await page(client, "/ops/application")
            #expect(html.contains("data-module=\"DeliveryModule\""))
            #expect(html.contains("Parcel"))
            #expect(html.contains("Deliver"))
            #expect(html.contains("parcels (local queue)"))
            #expect(!html.contains("<script"), "no script on any page")
        }
    }

    @Test("pages load nothing from elsewhere and forbid it in their content security policy")
    func offline() async throws {
        try await withDashboard(endpoint: .localQueue("parcels")) { _, _, client in
            for uri in ["/ops", "/ops/dead-letters", "/ops/application"] {
                try await client.execute(uri: uri, method: .get) { response in
                    let html = String(buffer: response.body)
                    #expect(!html.contains("http://") && !html.contains("https://"), "\(uri) links nowhere else")
                    #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
                }
            }
        }
    }

    #if SQLite
    @Test("SQLite: durable dead letters are listed with their JSON payload, replayed and purged")
    func sqlite() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("waku-dashboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = SQLiteDurableStore(path: folder.appendingPathComponent("d.sqlite").path)
        try await withDashboard(
            endpoint: .durable("parcels", errorPolicy: .deadLetter, pollInterval: .milliseconds(20)), store: store
        ) { waku, gate, client in
            try await publish(waku, Parcel(label: Self.hostile))
            try await publish(waku, Parcel(label: "second"))
            try await eventually("two dead letters are listed") { references(in: try await page(client, "/ops/dead-letters")).count == 2 }
            let refs = references(in: try await page(client, "/ops/dead-letters"))
            #expect(refs.allSatisfy { $0.hasPrefix("durable-") })

            let endpoints = try await page(client, "/ops")
            #expect(endpoints.contains("durable"))
            #expect(field("dead-lettered", of: "parcels", in: endpoints) == "2")

            let detail = try await page(client, "/ops/dead-letters/\(refs[0])")
            #expect(detail.contains("&quot;label&quot; : &quot;&lt;script&gt;"), "the stored JSON, pretty-printed and escaped")

            gate.failing.store(false, ordering: .relaxed)
            let (replayed, _) = try await submit(client, "/ops/dead-letters/replay", [("ref", refs[0]), ("confirm", "yes")])
            #expect(replayed == .seeOther)
            try await eventually("the replayed delivery ran") { gate.handled.load(ordering: .relaxed) == 1 }
            try await eventually("the store counts it handled") { field("handled", of: "parcels", in: try await page(client, "/ops")) == "1" }

            let (purged, location) = try await submit(client, "/ops/dead-letters/purge", [("error", "GATE CLOSED"), ("confirm", "yes")])
            #expect(purged == .seeOther)
            #expect(location?.contains("Purged%201%20dead%20letter.") == true)
            #expect(references(in: try await page(client, "/ops/dead-letters")).isEmpty)
        }
        await store.shutdown()
    }
    #endif
}
#endif
