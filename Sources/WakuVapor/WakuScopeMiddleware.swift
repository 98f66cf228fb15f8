#if Vapor
public import Vapor
public import Waku
import WakuHTTP

/// Opens one Waku request scope per Vapor request and closes it when the response is done.
///
/// For every request the middleware:
///
/// 1. opens a request scope of the application set with `app.waku.use(_:)`, whose context values
///    are the request's `Request` and its `HTTPRequestID`, plus whatever `contextValues` adds.
///    Providers read them with `contextual(Request.self)` and so on (see
///    ``HTTPRequestContextModule``);
/// 2. stores the scope in the request, where handlers find it as `req.waku.container`,
///    `req.waku.get(_:)` or `req.waku.bus`;
/// 3. closes the scope, running its `Finalized` cleanups in reverse creation order, once Vapor has
///    written the response and released it: for a streamed body, after the stream ended, so the
///    stream may use services of the scope while it writes. When the handler throws, the scope is
///    closed before the error travels on to become an error response.
///
/// ```swift
/// app.waku.use(wakuApp)
/// app.middleware.use(WakuScopeMiddleware())
/// app.get("orders", ":id") { req in
///     let id = try req.parameters.require("id")
///     guard let order = try await req.waku.bus.invoke(GetOrder(id: id)) else { throw Abort(.notFound) }
///     return order
/// }
/// ```
///
/// Add it after Vapor's `ErrorMiddleware` (`app.middleware.use` does), or to a route group. Requests
/// that arrive while the Waku application is not initialized (before Vapor booted, or once it
/// started shutting down) are answered `503 Service Unavailable` without opening a scope.
public struct WakuScopeMiddleware: AsyncMiddleware {
    /// Adds values of your own to a request scope's context: `values.set(TenantID(…))`.
    public typealias ContextValuesBuilder = @Sendable (inout ContextValues, Request) async throws -> Void

    let contextValues: ContextValuesBuilder?

    /// A middleware that opens a request scope for every request.
    ///
    /// - Parameter contextValues: Adds context values of your own to each scope, after the request
    ///   values. It may replace them too. If it throws, no scope is opened and the error propagates.
    public init(contextValues: ContextValuesBuilder? = nil) {
        self.contextValues = contextValues
    }

    /// Opens the request's scope, runs the rest of the chain with it in `request`, and hands the
    /// scope to the response, which closes it when Vapor releases the written response.
    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let app = request.application.waku.application else { throw WakuApplicationMissing() }
        guard app.isInitialized else {
            throw Abort(.serviceUnavailable, reason: "The application is not running.")
        }
        let requestID = HTTPRequestID(request.id)
        var values = ContextValues()
        values.set(request)
        values.set(requestID)
        if let contextValues {
            try await contextValues(&values, request)
        }

        // No release logger: for Vapor, releasing the response is the normal way the scope closes.
        let lease = RequestScopeLease(app: app, scope: app.openRequestScope(context: values), logger: nil)
        request.storage[RequestScopeReference.Key.self] = RequestScopeReference(container: lease.scope, requestID: requestID)

        let response: Response
        do {
            // Log lines written while the handler runs carry the request id through
            // `Logger.MetadataProvider.waku`.
            response = try await WakuLogMetadata.$requestID.withValue(requestID.value) {
                try await next.respond(to: request)
            }
        } catch {
            await lease.close()
            throw error
        }
        // Vapor keeps the response until it is written (for a streamed body: until the stream
        // ended), then releases it, and with it the lease, which closes the scope.
        response.storage[LeaseKey.self] = lease
        return response
    }

    private enum LeaseKey: StorageKey {
        typealias Value = RequestScopeLease
    }
}
#endif
