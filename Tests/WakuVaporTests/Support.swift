#if Vapor
import Foundation
import Logging
import Vapor
import VaporTesting
import Waku
import WakuMessaging
import WakuTesting
import WakuVapor

/// Request-scoped: one per HTTP request. Its cleanup, run when the scope closes, captures its id
/// in the probe under "finalized" and bumps the "finalized" counter.
final class ScopedProbe: Sendable {
    let id = UUID()
}

/// Built from the request scope's context values.
struct RequestInfo: Sendable {
    let path: String
    let userAgent: String?
    let requestID: String
}

/// A context value added through `WakuScopeMiddleware(contextValues:)`.
struct Tenant: Sendable {
    let name: String
}

/// Counts `onAppShutdown`, to see that Vapor's shutdown closed the Waku application.
final class ShutdownCount: OnApplicationShutdown {
    let probe: Probe
    init(probe: Probe) { self.probe = probe }
    func onAppShutdown(_ app: WakuApplication) async throws { probe.bump("waku.closed") }
}

/// The probe, the scoped `ScopedProbe` with its cleanup, and `RequestInfo` over the contextual
/// request values of `HTTPRequestContextModule`.
struct ProbeModule: Module {
    let probe: Probe

    var imports: [any Module] { [HTTPRequestContextModule(), MessagingModule()] }

    var providers: [Provider] {
        [
            object(probe),
            scoped { (probe: Probe) -> Finalized<ScopedProbe> in
                let scoped = ScopedProbe()
                probe.capture("created", scoped.id)
                return Finalized(scoped) {
                    probe.capture("finalized", scoped.id)
                    probe.bump("finalized")
                }
            },
            scoped { (request: Request, id: HTTPRequestID) in
                RequestInfo(path: request.url.path, userAgent: request.headers.first(name: .userAgent), requestID: id.value)
            },
        ]
    }
    var exports: [Export] { [.type(Probe.self), .type(ScopedProbe.self), .type(RequestInfo.self)] }
}

extension Probe {
    /// Ids of the `ScopedProbe`s created so far.
    var createdIDs: [UUID] { captured("created", as: UUID.self) }
    /// Ids of the `ScopedProbe`s whose scope closed, in closing order.
    var finalizedIDs: [UUID] { captured("finalized", as: UUID.self) }
    /// How often the scope that created `id` closed.
    func finalizedCount(of id: UUID) -> Int { finalizedIDs.filter { $0 == id }.count }
}

/// A logger that prints nothing.
let quietLogger = Logger(label: "waku-vapor-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// VaporTesting's `withApp`, with a Waku application over ``ProbeModule`` (plus `imports`) in its
/// lifecycle, `middleware` on every route, and the routes `routes` adds. The app is booted as
/// `execute()` boots it (`asyncBoot()`), unless `boot` is `false`; `withApp` shuts it down.
@discardableResult
func withWakuApp<R>(
    probe: Probe,
    imports: [any Module] = [],
    middleware: WakuScopeMiddleware? = WakuScopeMiddleware(),
    boot: Bool = true,
    routes: (Application) throws -> Void,
    _ body: (Application, WakuApplication) async throws -> R
) async throws -> R {
    try await withApp { app in
        quiet(app)
        let waku = try await WakuFactory(
            TestModule(probe: probe, imports: imports), extensions: [ShutdownCount(probe: probe)], logger: quietLogger
        ).create()
        app.waku.use(waku)
        if let middleware { app.middleware.use(middleware) }
        try routes(app)
        if boot { try await app.asyncBoot() }
        return try await body(app, waku)
    }
}

/// ``ProbeModule`` and whatever a test adds.
struct TestModule: Module {
    let probe: Probe
    let imports: [any Module]
    init(probe: Probe, imports: [any Module]) {
        self.probe = probe
        self.imports = [ProbeModule(probe: probe)] + imports
    }
}

/// Silences the application's and the HTTP server's logs.
func quiet(_ app: Application) {
    app.logger = quietLogger
    app.http.server.configuration.logger = quietLogger
}

/// VaporTesting over a real server on 127.0.0.1, on a free port, started for each request.
func loopback(_ app: Application) throws -> any TestingApplicationTester {
    try app.testing(method: .running(hostname: "127.0.0.1", port: 0))
}

/// Starts `app`'s HTTP server on a free port of 127.0.0.1 for clients of a test's own; returns the port.
func startServer(_ app: Application) async throws -> Int {
    app.http.server.configuration.hostname = "127.0.0.1"
    app.http.server.configuration.port = 0
    try await app.server.start(address: nil)
    guard let port = app.http.server.shared.localAddress?.port else {
        throw Abort(.internalServerError, reason: "The test server has no local port.")
    }
    return port
}
#endif
