public import Hummingbird

/// The request context to use when you need nothing but Waku: Hummingbird's basic context plus the
/// request scope.
///
/// ```swift
/// let router = Router(context: BasicWakuRequestContext.self)
/// router.add(middleware: WakuScopeMiddleware(app: wakuApp))
/// ```
public struct BasicWakuRequestContext: WakuRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var waku: WakuContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        waku = WakuContextStorage()
    }
}
