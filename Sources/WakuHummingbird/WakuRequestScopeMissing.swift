#if Hummingbird
/// A route handler asked its context for the Waku request scope, but no ``WakuScopeMiddleware``
/// ran for the request. Add the middleware to the router (or to the route's group).
public struct WakuRequestScopeMissing: Error, Sendable, CustomStringConvertible {
    /// The matched route, when the router knows it.
    public let path: String?

    /// The error for the route at `path`, or for an unknown route when `nil`.
    public init(path: String?) {
        self.path = path
    }

    /// What is missing, for which route, and where to add the middleware.
    public var description: String {
        "No Waku request scope for \(path ?? "this request"): add WakuScopeMiddleware(app:) to the router or route group "
            + "before the routes that use context.container, context.get(_:) or context.bus."
    }
}
#endif
