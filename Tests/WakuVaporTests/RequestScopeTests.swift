#if Vapor
import Foundation
import Testing
import Vapor
import VaporTesting
import Waku
import WakuMessaging
import WakuTesting
import WakuVapor

/// What `/probe` saw of its request scope.
struct ProbeReport: Content, Equatable {
    let first: UUID
    let second: UUID
    let requestID: String
    let infoRequestID: String
    let path: String
    let userAgent: String?
    let sameBus: Bool
}

/// Resolves the scoped probe twice, the request values, and the bus two ways.
func addProbeRoute(to app: Application) {
    app.get("probe", ":name") { req async throws -> ProbeReport in
        let first = try await req.waku.get(ScopedProbe.self)
        let second = try await req.waku.get(ScopedProbe.self)
        let info = try await req.waku.get(RequestInfo.self)
        let bus = try await req.waku.bus
        let sender = try await req.waku.get((any ISender).self)
        guard let requestID = req.waku.requestID else { throw Abort(.internalServerError, reason: "no request id") }
        return ProbeReport(
            first: first.id, second: second.id,
            requestID: requestID.value, infoRequestID: info.requestID,
            path: info.path, userAgent: info.userAgent,
            sameBus: (bus as AnyObject) === (sender as AnyObject))
    }
}

@Suite("One Waku request scope per Vapor request")
struct RequestScopeTests {
    @Test("req.waku resolves scoped services once per request, with the request's values and Vapor's request id")
    func scopePerRequest() async throws {
        let probe = Probe()
        try await withWakuApp(probe: probe, routes: addProbeRoute) { app, _ in
            let tester = try loopback(app)
            var reports: [ProbeReport] = []
            for name in ["one", "two"] {
                try await tester.test(
                    .GET, "/probe/\(name)", headers: ["X-Request-Id": "request-\(name)", "User-Agent": "waku-tests"]
                ) { response in
                    #expect(response.status == .ok)
                    reports.append(try response.content.decode(ProbeReport.self))
                }
            }
            let one = try #require(reports.first)
            let two = try #require(reports.last)
            #expect(one.first == one.second)
            #expect(one.first != two.first)
            // Vapor takes the request id from X-Request-Id; the scope's HTTPRequestID is that id.
            #expect(one.requestID == "request-one")
            #expect(one.infoRequestID == "request-one")
            #expect(two.requestID == "request-two")
            #expect(one.path == "/probe/one")
            #expect(one.userAgent == "waku-tests")
            #expect(one.sameBus)
            #expect(await probe.signal("finalized").reach(2))
            #expect(Set(probe.finalizedIDs) == [one.first, two.first])
        }
    }

    @Test("contextValues adds values of the app's own to each scope")
    func contextValues() async throws {
        let probe = Probe()
        let middleware = WakuScopeMiddleware { values, request in
            values.set(Tenant(name: request.headers.first(name: "X-Tenant") ?? "none"))
        }
        let tenantModule = TenantModule()
        try await withWakuApp(probe: probe, imports: [tenantModule], middleware: middleware, routes: { app in
            app.get("tenant") { req async throws -> String in try await req.waku.get(String.self) }
        }) { app, _ in
            try await loopback(app).test(.GET, "/tenant", headers: ["X-Tenant": "acme", "X-Request-Id": "r-1"]) { response in
                #expect(response.status == .ok)
                #expect(response.body.string == "acme/r-1")
            }
        }
    }

    @Test("a route outside the middleware gets WakuRequestScopeMissing, which says how to fix it")
    func noMiddleware() async throws {
        let probe = Probe()
        try await withWakuApp(probe: probe, middleware: nil, routes: { app in
            app.get("bare") { req async throws -> String in
                do {
                    _ = try await req.waku.get(ScopedProbe.self)
                    return "resolved"
                } catch let error as WakuRequestScopeMissing {
                    return "\(req.waku.requestID == nil) \(error.reason) \(error.description)"
                }
            }
            app.grouped(WakuScopeMiddleware()).get("scoped") { req async throws -> String in
                "\(try await req.waku.get(ScopedProbe.self).id)"
            }
        }) { app, _ in
            let tester = try loopback(app)
            try await tester.test(.GET, "/bare") { response in
                #expect(response.status == .ok)
                #expect(response.body.string.hasPrefix("true noMiddleware No Waku request scope for /bare: add WakuScopeMiddleware()"))
            }
            // The middleware on a route group works as it does on the whole application.
            try await tester.test(.GET, "/scoped") { response in
                #expect(response.status == .ok)
                #expect(UUID(uuidString: response.body.string) != nil)
            }
            #expect(probe.createdIDs.count == 1)
        }
    }

    @Test("the middleware without app.waku.use(_:) fails the request with an error that names the fix")
    func noWakuApplication() async throws {
        try await withApp { app in
            quiet(app)
            app.middleware.use(WakuScopeMiddleware())
            app.get("any") { _ in "reached" }
            try await loopback(app).test(.GET, "/any") { response in
                #expect(response.status == .internalServerError)
                #expect(response.body.string.contains("call app.waku.use(wakuApp)"))
            }
            #expect(app.waku.application == nil)
        }
    }

    @Test("booted only synchronously, the Waku app is not initialized: 503, and no scope is opened")
    func notBooted() async throws {
        let probe = Probe()
        // Without asyncBoot() first, `app.testing()` boots with Vapor's synchronous boot(), which
        // runs no async lifecycle step, so the Waku application is never initialized.
        try await withWakuApp(probe: probe, boot: false, routes: addProbeRoute) { app, waku in
            #expect(!waku.isInitialized)
            try await loopback(app).test(.GET, "/probe/early") { response in
                #expect(response.status == .serviceUnavailable)
            }
            #expect(!waku.isInitialized)
            #expect(probe.createdIDs.isEmpty)
        }
    }
}

/// A provider over a value supplied by `WakuScopeMiddleware(contextValues:)`.
struct TenantModule: Module {
    var providers: [Provider] {
        [
            contextual(Tenant.self),
            scoped { (tenant: Tenant, id: HTTPRequestID) in "\(tenant.name)/\(id.value)" },
        ]
    }
}
#endif
