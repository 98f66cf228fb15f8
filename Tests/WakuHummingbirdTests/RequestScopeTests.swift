#if Hummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Waku
import WakuHummingbird
import WakuTesting

/// What `/probe` reports about the scope it ran in.
struct ProbeReport: Codable, ResponseEncodable {
    let first: UUID
    let second: UUID
    let method: String
    let path: String
    let userAgent: String?
    let requestID: String
    let contextRequestID: String?
}

/// `/probe` resolves the scoped probe twice (through `context.get` and through `context.container`)
/// and the provider built from the contextual request values.
func addProbeRoute(to router: Router<BasicWakuRequestContext>) {
    router.on("/probe/{name}", method: .get) { _, context in try await probeReport(context) }
    router.on("/probe/{name}", method: .post) { _, context in try await probeReport(context) }
}

func probeReport(_ context: BasicWakuRequestContext) async throws -> ProbeReport {
    let first = try await context.get(ScopedProbe.self)
    let second = try await context.container.get(ScopedProbe.self)
    let info = try await context.get(RequestInfo.self)
    return ProbeReport(
        first: first.id, second: second.id, method: info.method, path: info.path, userAgent: info.userAgent,
        requestID: info.requestID, contextRequestID: context.requestID?.value)
}

@Suite("One Waku request scope per HTTP request")
struct RequestScopeTests {
    @Test("a scoped service is the same within one request and differs between two requests")
    func oneScopePerRequest() async throws {
        let recorder = Recorder()
        try await withShop(recorder: recorder) { waku in
            let router = makeShopRouter(waku: waku)
            addProbeRoute(to: router)
            let app = Application(router: router, logger: quietLogger)
            let (a, b) = try await app.test(.router) { client in
                let a = try await client.execute(uri: "/probe/a", method: .get) { response in
                    #expect(response.status == .ok)
                    return try decode(ProbeReport.self, response.body)
                }
                let b = try await client.execute(uri: "/probe/b", method: .get) { response in
                    try decode(ProbeReport.self, response.body)
                }
                return (a, b)
            }
            #expect(a.first == a.second)
            #expect(b.first == b.second)
            #expect(a.first != b.first)
            #expect(recorder.createdIDs == [a.first, b.first])
        }
    }

    @Test("providers see the request head, the Request and the request id through the scope's context")
    func requestValuesInContext() async throws {
        try await withShop { waku in
            let router = makeShopRouter(waku: waku)
            addProbeRoute(to: router)
            let app = Application(router: router, logger: quietLogger)
            try await app.test(.router) { client in
                let report = try await client.execute(
                    uri: "/probe/head?x=1", method: .post, headers: [.userAgent: "waku-probe/1"], body: json("{}")
                ) { response in
                    try decode(ProbeReport.self, response.body)
                }
                #expect(report.method == "POST")
                #expect(report.path == "/probe/head")
                #expect(report.userAgent == "waku-probe/1")
                #expect(!report.requestID.isEmpty)
                #expect(report.contextRequestID == report.requestID)

                let other = try await client.execute(uri: "/probe/other", method: .get) { response in
                    try decode(ProbeReport.self, response.body)
                }
                #expect(other.method == "GET")
                #expect(other.path == "/probe/other")
                #expect(other.userAgent == nil)
                #expect(other.requestID != report.requestID)
            }
        }
    }

    @Test("contextValues adds values of your own to each request scope")
    func customContextValues() async throws {
        try await withTestApp(base: TenantModule(), imports: [HTTPRequestContextModule()]) { waku in
            let router = Router(context: BasicWakuRequestContext.self)
            router.add(middleware: WakuScopeMiddleware(app: waku) { values, request, _ in
                values.set(Tenant(name: request.uri.queryParameters.get("tenant") ?? "none"))
            })
            router.get("/tenant") { _, context in try await context.get(String.self) }
            let app = Application(router: router, logger: quietLogger)
            try await app.test(.router) { client in
                try await client.execute(uri: "/tenant?tenant=acme", method: .get) { response in
                    #expect(response.status == .ok)
                    let text = String(buffer: response.body)
                    #expect(text.hasPrefix("acme/"))
                    #expect(text.count > "acme/".count)
                }
            }
        }
    }

    @Test("without the middleware, context.container says how to fix it and the request fails")
    func missingMiddleware() async throws {
        let error = WakuRequestScopeMissing(path: "/orders")
        #expect(error.description.contains("WakuScopeMiddleware"))

        let router = Router(context: BasicWakuRequestContext.self)
        router.get("/no-scope") { _, context -> String in
            do {
                _ = try context.container
                return "unexpected"
            } catch let error as WakuRequestScopeMissing {
                #expect(error.path == "/no-scope")
                throw error
            }
        }
        let app = Application(router: router, logger: quietLogger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/no-scope", method: .get) { response in
                #expect(response.status == .internalServerError)
            }
        }
    }

    @Test("start-up validation rejects a singleton that depends on the request head")
    func singletonOnRequestValues() async throws {
        struct Captive: Sendable { let path: String? }
        struct CaptiveModule: Module {
            var imports: [any Module] { [HTTPRequestContextModule()] }
            var providers: [Provider] { [singleton { (head: HTTPRequest) in Captive(path: head.path) }] }
        }
        let error = await #expect(throws: StartupError.self) {
            _ = try await WakuFactory(CaptiveModule(), logger: quietLogger).create()
        }
        #expect(error?.issues(of: .captiveDependency).isEmpty == false)
    }

    @Test("a request to an application that is not running gets 503 and opens no scope")
    func notRunning() async throws {
        let recorder = Recorder()
        let waku = try await makeTestApp(base: ShopModule(recorder: recorder))
        try await waku.close()
        let router = makeShopRouter(waku: waku)
        addProbeRoute(to: router)
        let app = Application(router: router, logger: quietLogger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/probe/x", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
        #expect(recorder.createdIDs.isEmpty)
    }
}
#endif
