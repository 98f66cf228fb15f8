#if Hummingbird
public import Hummingbird

/// The request context to use when you need nothing but Waku: Hummingbird's basic context plus the
/// request scope.
///
/// ```swift
/// let router = Router(context: BasicWakuRequestContext.self)
/// router.add(middleware: WakuScopeMiddleware(app: wakuApp))
/// ```
public struct BasicWakuRequestContext: WakuRequestContext {
    /// Hummingbird's per-request storage: the request's logger, route parameters and matched route.
    public var coreContext: CoreRequestContextStorage
    public var waku: WakuContextStorage

    /// A context for a new request, with no Waku scope until ``WakuScopeMiddleware`` opens one.
    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        waku = WakuContextStorage()
    }
}
#endif
