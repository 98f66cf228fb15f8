#if Vapor
/// ``WakuScopeMiddleware`` handled a request, but the Vapor application has no Waku application:
/// call `app.waku.use(wakuApp)` when configuring it.
public struct WakuApplicationMissing: Error, Sendable, CustomStringConvertible {
    /// The error; it has no details.
    public init() {}

    /// What is missing and how to add it.
    public var description: String {
        "WakuScopeMiddleware found no Waku application: call app.waku.use(wakuApp) with the WakuApplication "
            + "from WakuFactory(…).create() when configuring the Vapor application."
    }
}
#endif
