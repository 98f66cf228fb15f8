#if Hummingbird
public import Waku
public import WakuHTTP

/// The Waku part of a ``WakuRequestContext``: empty until ``WakuScopeMiddleware`` opens the request
/// scope, then the scope's container and the request id.
public struct WakuContextStorage: Sendable {
    /// The request scope's container, or `nil` before ``WakuScopeMiddleware`` ran.
    public internal(set) var container: Container?
    /// The request id, or `nil` before ``WakuScopeMiddleware`` ran.
    public internal(set) var requestID: HTTPRequestID?

    /// Empty storage: what a request context starts with.
    public init() {}

    init(container: Container, requestID: HTTPRequestID) {
        self.container = container
        self.requestID = requestID
    }
}
#endif
