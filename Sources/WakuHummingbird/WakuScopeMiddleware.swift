#if Hummingbird
public import Hummingbird
public import Waku
import Logging

/// Opens one Waku request scope per HTTP request and closes it when the response is done.
///
/// For every request the middleware:
///
/// 1. opens a request scope of `app` whose context values are the request's `Request`, its head
///    (`HTTPRequest`) and its ``HTTPRequestID``, plus whatever `contextValues` adds. Providers
///    read them with `contextual(HTTPRequest.self)` and so on (see ``HTTPRequestContextModule``);
/// 2. stores the scope in the request context, where handlers find it as `context.container`,
///    `context.get(_:)` or `context.bus`;
/// 3. binds `WakuLogMetadata.requestID` to the request's id while the rest of the chain runs,
///    so that, with `Logger.MetadataProvider.waku` installed, every log line written for the
///    request (by routes, handlers and messages they dispatch) carries `http.request.id`;
/// 4. closes the scope, running its `Finalized` cleanups in reverse creation order: after the
///    response body has been written (``ScopeClosing/afterResponseBody``, the default), or when the
///    handler returns (``ScopeClosing/whenHandlerReturns``). When the handler throws, the scope is
///    closed before the error travels on to become an error response.
///
/// ```swift
/// let router = Router(context: BasicWakuRequestContext.self)
/// router.add(middleware: WakuScopeMiddleware(app: wakuApp))
/// router.get("/orders/{id}") { _, context in
///     let id = try context.parameters.require("id")
///     guard let order = try await context.bus.invoke(GetOrder(id: id)) else { throw HTTPError(.notFound) }
///     return order
/// }
/// ```
///
/// Requests that arrive while `app` is not initialized (before `WakuApplication.initialize()`
/// finished, or once `WakuApplication.close()` started) are answered `503 Service Unavailable`
/// without opening a scope.
public struct WakuScopeMiddleware<Context: WakuRequestContext>: RouterMiddleware {
    /// The middleware takes Hummingbird's `Request`.
    public typealias Input = Request
    /// The middleware returns Hummingbird's `Response`.
    public typealias Output = Response

    /// Adds values of your own to a request scope's context: `values.set(TenantID(…))`.
    public typealias ContextValuesBuilder = @Sendable (inout ContextValues, Request, Context) async throws -> Void

    let app: WakuApplication
    let closing: ScopeClosing
    let contextValues: ContextValuesBuilder?

    /// A middleware that opens a request scope of `app` for every request.
    ///
    /// - Parameters:
    ///   - app: The application whose request scopes to open.
    ///   - closing: When to close a scope whose handler returned a response.
    ///   - contextValues: Adds context values of your own to each scope, after the request values.
    ///     It may replace them too. If it throws, no scope is opened and the error propagates.
    public init(
        app: WakuApplication,
        closing: ScopeClosing = .afterResponseBody,
        contextValues: ContextValuesBuilder? = nil
    ) {
        self.app = app
        self.closing = closing
        self.contextValues = contextValues
    }

    /// Opens the request's scope, runs the rest of the chain with it in `context`, and closes it.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard app.isInitialized else {
            throw HTTPError(.serviceUnavailable, message: "The application is not running.")
        }
        let requestID = Self.requestID(of: context)
        var values = ContextValues()
        values.set(request)
        values.set(request.head)
        values.set(requestID)
        if let contextValues {
            try await contextValues(&values, request, context)
        }

        let lease = RequestScopeLease(app: app, scope: app.openRequestScope(context: values), logger: context.logger)
        var context = context
        context.waku = WakuContextStorage(container: lease.scope, requestID: requestID)

        var response: Response
        do {
            // Every log line of the rest of the chain, handlers and messages included, carries
            // the request id through `Logger.MetadataProvider.waku`.
            response = try await WakuLogMetadata.$requestID.withValue(requestID.value) {
                try await next(request, context)
            }
        } catch {
            await lease.close()
            throw error
        }
        switch closing {
        case .afterResponseBody:
            response.body = response.body.closing(lease)
        case .whenHandlerReturns:
            await lease.close()
        }
        return response
    }

    /// Hummingbird's id for the request, read from its logger's `hb.request.id` metadata (set by the
    /// server and by HummingbirdTesting); a fresh id if a custom server did not set one.
    static func requestID(of context: Context) -> HTTPRequestID {
        if let value = context.logger[metadataKey: "hb.request.id"] {
            return HTTPRequestID(value.description)
        }
        return HTTPRequestID(RequestID().description)
    }
}
#endif
