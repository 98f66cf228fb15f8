/// The two container scopes.
///
/// The app scope lives as long as the ``WakuApplication``; a request scope is opened per unit of
/// work with ``WakuApplication/withContainer(context:isolation:_:)`` and always closed afterwards.
public enum Scope: String, Sendable, Hashable, CustomStringConvertible {
    /// The application's scope, open from creation until ``WakuApplication/close()``.
    case app
    /// A request scope: one unit of work, such as an HTTP request or a message delivery.
    case request

    /// `app` or `request`.
    public var description: String { rawValue }
}
