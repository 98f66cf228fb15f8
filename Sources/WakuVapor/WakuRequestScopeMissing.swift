#if Vapor
/// A route handler asked `req.waku` for the Waku request scope, but there is none: no
/// ``WakuScopeMiddleware`` ran for the request, or its scope closed when the response was written.
public struct WakuRequestScopeMissing: Error, Sendable, CustomStringConvertible {
    /// Why there is no scope.
    public enum Reason: Sendable, Hashable {
        /// No ``WakuScopeMiddleware`` ran for the request.
        case noMiddleware
        /// The scope was closed: the response was written, yet something still used `req.waku`.
        case closed
    }

    /// The request's path.
    public let path: String
    /// Why there is no scope.
    public let reason: Reason

    /// The error for the request at `path`.
    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// What is missing, for which request, and how to fix it.
    public var description: String {
        switch reason {
        case .noMiddleware:
            "No Waku request scope for \(path): add WakuScopeMiddleware() to app.middleware or to the route group "
                + "before the routes that use req.waku."
        case .closed:
            "The Waku request scope for \(path) is closed: its response was already written. "
                + "Resolve what you need from req.waku before the response is done."
        }
    }
}
#endif
