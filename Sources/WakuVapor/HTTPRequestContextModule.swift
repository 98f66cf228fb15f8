#if Vapor
public import Waku
import Vapor

/// Declares the HTTP request values that ``WakuScopeMiddleware`` supplies to each request scope, so
/// that providers can depend on them:
///
/// - `Request`: Vapor's request (headers, URL, parameters; the body is read by the route handler);
/// - `HTTPRequestID`: the request id, Vapor's `req.id`.
///
/// Import it once, usually in the root module. Context values are visible to every module, so no
/// other module needs to import it. Declaring the same `contextual` types yourself instead is fine,
/// but not both: a second declaration is a duplicate provider.
///
/// ```swift
/// struct AppModule: Module {
///     var imports: [any Module] { [HTTPRequestContextModule(), MessagingModule.register(…), OrdersModule()] }
/// }
/// ```
public struct HTTPRequestContextModule: Module {
    /// The module; it takes no configuration.
    public init() {}

    /// Request-scoped `contextual` providers of `Request` and `HTTPRequestID`.
    public var providers: [Provider] {
        [
            contextual(Request.self),
            contextual(HTTPRequestID.self),
        ]
    }
}
#endif
