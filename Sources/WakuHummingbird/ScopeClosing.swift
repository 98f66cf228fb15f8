#if Hummingbird
/// When ``WakuScopeMiddleware`` closes a request scope that the route handler returned from.
///
/// A handler that throws always closes its scope at once, before the error response is written.
public enum ScopeClosing: Sendable, Hashable {
    /// After the response body has been written to the client (or writing it failed). The default.
    ///
    /// Hummingbird writes the body after every middleware has returned, so a streamed body may still
    /// use services of the scope while it writes. The body is wrapped to close the scope when its
    /// writer finishes. If the body is never written, because a later middleware replaced the
    /// response or the connection closed first, the scope is closed when the response is released.
    case afterResponseBody

    /// As soon as the route handler (and the middlewares after this one) return, before the body is
    /// written. The body must not use services of the scope. It saves the body wrapper; use it when
    /// every response body is built in full by the handler.
    case whenHandlerReturns
}
#endif
