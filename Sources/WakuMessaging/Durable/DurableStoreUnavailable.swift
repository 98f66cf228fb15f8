/// A durable store could not be reached or used: raised at start-up (`app.initialize()`) for an
/// unreachable or misconfigured database, and by dispatches to durable endpoints during an outage.
public struct DurableStoreUnavailable: Error, Sendable, CustomStringConvertible {
    /// Which store, e.g. "PostgreSQL at 127.0.0.1:5432/app" or "SQLite file waku.sqlite".
    public let store: String
    /// What went wrong, such as a refused connection or a wrong password.
    public let reason: String
    /// What to change so the store can be used.
    public let fix: String

    /// An error for `store` with its reason and fix; the stores raise it, custom stores may too.
    public init(store: String, reason: String, fix: String) {
        self.store = store
        self.reason = reason
        self.fix = fix
    }

    /// The store, the reason and the fix in one sentence.
    public var description: String { "Durable store \(store) is unavailable: \(reason). Fix: \(fix)" }
}
