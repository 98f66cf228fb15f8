#if Hummingbird
public import Hummingbird
public import Waku
public import WakuHTTP
public import WakuMessaging

/// A Hummingbird request context that carries the Waku request scope of its request.
///
/// ``WakuScopeMiddleware`` opens the scope and stores it in ``waku``; route handlers then reach the
/// scope's `Container` through ``container``, or use the shortcuts ``get(_:)`` and ``bus``:
///
/// ```swift
/// router.post("/orders") { request, context in
///     let body = try await request.decode(as: PlaceOrderBody.self, context: context)
///     return try await context.bus.invoke(PlaceOrder(customerId: body.customerId, items: body.items))
/// }
/// ```
///
/// ``BasicWakuRequestContext`` is a ready-made conforming context. To add Waku to a context of your
/// own, declare the storage property and initialize it empty:
///
/// ```swift
/// struct AppRequestContext: WakuRequestContext {
///     var coreContext: CoreRequestContextStorage
///     var waku = WakuContextStorage()
///     init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
/// }
/// ```
public protocol WakuRequestContext: RequestContext {
    /// Where ``WakuScopeMiddleware`` stores the request scope. Start it empty: `WakuContextStorage()`.
    var waku: WakuContextStorage { get set }
}

extension WakuRequestContext {
    /// The request scope's container: resolve any service, scoped ones once per HTTP request.
    ///
    /// Throws ``WakuRequestScopeMissing`` when no ``WakuScopeMiddleware`` ran for this request.
    public var container: Container {
        get throws {
            guard let container = waku.container else { throw WakuRequestScopeMissing(path: endpointPath) }
            return container
        }
    }

    /// Resolves `T` from the request scope: `try await context.get(OrderRepository.self)`.
    public func get<T>(_ type: T.Type = T.self) async throws -> T {
        try await container.get(type)
    }

    /// The message bus of this request scope: `try await context.bus.invoke(GetOrder(id: id))`.
    ///
    /// Within one request, `bus`, `get((any ISender).self)` and `get((any IPublisher).self)` are the
    /// same instance. Requires `MessagingModule` in the application.
    public var bus: any IMessageBus {
        get async throws { try await container.get((any IMessageBus).self) }
    }

    /// The id of this HTTP request, the same as Hummingbird's `hb.request.id` log metadata.
    /// `nil` when no ``WakuScopeMiddleware`` ran for this request.
    public var requestID: HTTPRequestID? { waku.requestID }
}
#endif
