#if Hummingbird
public import Hummingbird
public import Waku
import Foundation
import WakuMessaging

/// A web page for operators: each endpoint's depth, work in flight, handled, failed and
/// dead-lettered deliveries with a per-minute history; the dead letters, to filter, read, replay
/// and purge; and the application's modules and message flow.
///
/// It serves plain HTML with inline styles: no script, font or stylesheet is loaded from
/// anywhere, so it works offline and behind strict content policies. Replays and purges ask for
/// confirmation on a page of their own and are `POST` requests; a `POST` that a browser marks as
/// coming from another site is refused.
///
/// Nothing is served until you mount it, and it has no access control of its own: mount it
/// only behind your authentication, or on a listener only operators reach.
///
/// ```swift
/// let app = try await WakuFactory(AppModule()).create()
/// let dashboard = WakuDashboard(application: app, path: "/ops/waku")
/// let router = Router()
/// router.group()
///     .add(middleware: OperatorsOnly())     // your authentication
///     .addWakuDashboard(dashboard)
/// ```
///
/// Create it once, after `WakuFactory.create()`: it registers a `MessageObserver` that counts
/// what routed handlers do in this process, for the history bars. That costs each routed
/// delivery a few counter updates under a lock.
public struct WakuDashboard: Sendable {
    /// The path the pages are served under, without a trailing slash: `/waku` by default.
    public let path: String
    let source: DashboardSource
    /// At most this many durable dead letters on one page.
    let pageLimit = 500

    /// A dashboard of `application`, to be served under `path`.
    ///
    /// - Parameters:
    ///   - application: The application to show; its messaging runtime (if it imports
    ///     `MessagingModule`) gets the dashboard's observer now.
    ///   - path: Where `addWakuDashboard(_:)` mounts the pages. A trailing slash
    ///     is dropped; an empty path or `/` serves them from the root.
    public init(application: WakuApplication, path: String = "/waku") {
        var trimmed = path.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if !trimmed.isEmpty && !trimmed.hasPrefix("/") { trimmed = "/" + trimmed }
        self.path = trimmed
        let activity = EndpointActivity()
        application.messagingRuntime?.addObserver(activity)
        source = DashboardSource(application: application, activity: activity)
    }
}

/// Mounting the dashboard on a Hummingbird router or router group.
extension RouterMethods {
    /// Serves `dashboard`'s pages under its ``WakuDashboard/path``.
    ///
    /// Call it on the router, or on a group whose middleware protects the pages:
    /// `router.group().add(middleware: OperatorsOnly()).addWakuDashboard(dashboard)`.
    @discardableResult
    public func addWakuDashboard(_ dashboard: WakuDashboard) -> Self {
        let routes = DashboardRoutes(dashboard: dashboard)
        let root = dashboard.path.isEmpty ? "/" : dashboard.path
        get(RouterPath(root)) { _, _ in await routes.endpoints() }
        get(RouterPath(dashboard.path + "/dead-letters")) { request, _ in try await routes.deadLetters(request) }
        get(RouterPath(dashboard.path + "/dead-letters/confirm")) { request, _ in try await routes.confirm(request) }
        get(RouterPath(dashboard.path + "/dead-letters/{reference}")) { request, context in
            try await routes.deadLetter(context.parameters.require("reference"))
        }
        post(RouterPath(dashboard.path + "/dead-letters/replay")) { request, context in
            try await routes.act(.replay, request, context)
        }
        post(RouterPath(dashboard.path + "/dead-letters/purge")) { request, context in
            try await routes.act(.purge, request, context)
        }
        get(RouterPath(dashboard.path + "/application")) { _, _ in await routes.application() }
        return self
    }
}
#endif
