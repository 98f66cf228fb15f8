#if Vapor
public import Vapor
public import Waku

/// The Waku part of a Vapor application, reached as `app.waku`: which `WakuApplication` serves its
/// requests, initialized and closed with Vapor's lifecycle.
///
/// ```swift
/// let app = try await Application.make(.detect())
/// app.waku.use(try await WakuFactory(AppModule()).create())
/// app.middleware.use(WakuScopeMiddleware())
/// ```
public struct ApplicationWaku: Sendable {
    let vapor: Application

    /// Makes `waku` the application that serves this Vapor application's requests.
    ///
    /// It adds a Vapor `LifecycleHandler` that initializes `waku` when Vapor boots
    /// (`Application.execute()`, `asyncBoot()`), before the server accepts a request, and closes it
    /// when Vapor shuts down (`asyncShutdown()`). On shutdown the handler first stops the HTTP
    /// server, which finishes the requests in flight, so that no request runs against a closed
    /// application; then it closes `waku`.
    ///
    /// Call it once, before the application boots. A second call replaces the application that
    /// ``WakuScopeMiddleware`` uses, but both stay in the lifecycle.
    public func use(_ waku: WakuApplication) {
        vapor.storage[Key.self] = waku
        vapor.lifecycle.use(WakuLifecycleHandler(waku: waku))
    }

    /// The application set with ``use(_:)``, or `nil` before.
    public var application: WakuApplication? {
        vapor.storage[Key.self]
    }

    private enum Key: StorageKey {
        typealias Value = WakuApplication
    }
}

/// Adds the Waku part, `app.waku`, to Vapor's application.
extension Application {
    /// The Waku part of this application: `app.waku.use(wakuApp)`.
    public var waku: ApplicationWaku {
        ApplicationWaku(vapor: self)
    }
}
#endif
