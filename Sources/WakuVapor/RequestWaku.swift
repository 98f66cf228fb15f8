#if Vapor
public import Vapor
public import Waku
public import WakuMessaging

/// The Waku part of a Vapor request, reached as `req.waku`: the request scope that
/// ``WakuScopeMiddleware`` opened for it.
///
/// ```swift
/// app.post("orders") { req in
///     let body = try req.content.decode(PlaceOrderBody.self)
///     return try await req.waku.bus.invoke(PlaceOrder(customerId: body.customerId, items: body.items))
/// }
/// ```
public struct RequestWaku: Sendable {
    let request: Request

    /// The request scope's container: resolve any service, scoped ones once per HTTP request.
    ///
    /// Throws ``WakuRequestScopeMissing`` when no ``WakuScopeMiddleware`` ran for this request, or
    /// when its scope has already closed (the response was written).
    public var container: Container {
        get throws {
            guard let reference = request.storage[RequestScopeReference.Key.self] else {
                throw WakuRequestScopeMissing(path: request.url.path, reason: .noMiddleware)
            }
            guard let container = reference.container else {
                throw WakuRequestScopeMissing(path: request.url.path, reason: .closed)
            }
            return container
        }
    }

    /// Resolves `T` from the request scope: `try await req.waku.get(OrderRepository.self)`.
    public func get<T>(_ type: T.Type = T.self) async throws -> T {
        try await container.get(type)
    }

    /// The message bus of this request scope: `try await req.waku.bus.invoke(GetOrder(id: id))`.
    ///
    /// Within one request, `bus`, `get((any ISender).self)` and `get((any IPublisher).self)` are the
    /// same instance. Requires `MessagingModule` in the application.
    public var bus: any IMessageBus {
        get async throws { try await container.get((any IMessageBus).self) }
    }

    /// The id of this HTTP request: Vapor's `req.id`, the `request-id` of its log metadata.
    /// `nil` when no ``WakuScopeMiddleware`` ran for this request.
    public var requestID: HTTPRequestID? {
        request.storage[RequestScopeReference.Key.self]?.requestID
    }
}

/// Adds the Waku request scope, `req.waku`, to Vapor's request.
extension Request {
    /// The Waku request scope of this request: `req.waku.get(T.self)`, `req.waku.bus`.
    public var waku: RequestWaku {
        RequestWaku(request: self)
    }
}
#endif
