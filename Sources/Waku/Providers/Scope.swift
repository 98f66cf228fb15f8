/// The two container scopes.
///
/// The app scope lives as long as the ``WakuApplication``; a request scope is opened per unit of
/// work with ``WakuApplication/withContainer(context:isolation:_:)`` and always closed afterwards.
public enum Scope: String, Sendable, Hashable, CustomStringConvertible {
    case app
    case request

    public var description: String { rawValue }
}
