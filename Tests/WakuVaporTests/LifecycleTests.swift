#if Vapor
import Foundation
import Testing
import Vapor
import Waku
import WakuHTTPTestSupport
import WakuTesting
import WakuVapor

/// Notes when Vapor's shutdown begins. Added after `app.waku.use(_:)`, so Vapor, which shuts its
/// handlers down in reverse order, runs it before the Waku handler.
struct ShutdownStarted: LifecycleHandler {
    let probe: Probe
    func shutdownAsync(_ application: Application) async {
        probe.record("shutdown started")
        probe.bump("shutdown.started")
    }
}

@Suite("The Waku application in Vapor's lifecycle")
struct LifecycleTests {
    /// A Vapor app (not booted) with a Waku app over ``ProbeModule`` in its lifecycle; the test shuts it down.
    func makeApp(probe: Probe) async throws -> (Application, WakuApplication) {
        let app = try await Application.make(.testing)
        quiet(app)
        let waku = try await WakuFactory(
            ProbeModule(probe: probe), extensions: [ShutdownCount(probe: probe)], logger: quietLogger
        ).create()
        app.waku.use(waku)
        return (app, waku)
    }

    @Test("asyncBoot() initializes the Waku application; asyncShutdown() closes it, once")
    func bootAndShutdown() async throws {
        let probe = Probe()
        let (app, waku) = try await makeApp(probe: probe)
        #expect(app.waku.application === waku)
        #expect(!waku.isInitialized)

        try await app.asyncBoot()
        #expect(waku.isInitialized)
        #expect(probe.count("waku.closed") == 0)

        try await app.asyncShutdown()
        #expect(!waku.isInitialized)
        #expect(probe.count("waku.closed") == 1)
    }

    @Test("on shutdown the server finishes the request in flight with the Waku app open, then the app closes")
    func gracefulShutdown() async throws {
        let probe = Probe()
        let (app, waku) = try await makeApp(probe: probe)
        app.lifecycle.use(ShutdownStarted(probe: probe))
        app.middleware.use(WakuScopeMiddleware())
        app.get("slow") { req async throws -> String in
            let scoped = try await req.waku.get(ScopedProbe.self)
            probe.bump("slow.entered")
            _ = await probe.signal("slow.release").reach(1)
            probe.record("resumed, Waku initialized: \(waku.isInitialized)")
            // The bus still answers: the application was not closed under the request.
            _ = try await req.waku.bus
            return "\(scoped.id)"
        }
        try await app.asyncBoot()
        let port = try await startServer(app)
        let client = LoopbackClient(port: port)
        defer { client.close() }

        async let reply = client.get("/slow")
        #expect(await probe.signal("slow.entered").reach(1))
        let shutdown = Task { try await app.asyncShutdown() }
        #expect(await probe.signal("shutdown.started").reach(1))
        // The Waku handler now waits for the server, which waits for /slow: the app stays open.
        #expect(await !probe.wait(timeout: .milliseconds(300)) { _ in !waku.isInitialized })
        probe.bump("slow.release")

        let response = try await reply
        #expect(response.status == 200)
        try await shutdown.value
        #expect(probe.log == ["shutdown started", "resumed, Waku initialized: true"])
        #expect(!waku.isInitialized)
        #expect(probe.count("waku.closed") == 1)
        #expect(await probe.signal("finalized").reach(1))
        #expect(probe.finalizedIDs.map(\.uuidString) == [response.text])
    }
}
#endif
