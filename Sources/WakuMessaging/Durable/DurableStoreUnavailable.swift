/// A durable store could not be reached or used: raised at start-up (`app.initialize()`) for an
/// unreachable or misconfigured database, and by dispatches to durable endpoints during an outage.
public struct DurableStoreUnavailable: Error, Sendable, CustomStringConvertible {
    /// Which store, e.g. "PostgreSQL at 127.0.0.1:5432/app" or "SQLite file waku.sqlite".
    public let store: String
    public let reason: String
    public let fix: String

    public init(store: String, reason: String, fix: String) {
        self.store = store
        self.reason = reason
        self.fix = fix
    }

    public var description: String { "Durable store \(store) is unavailable: \(reason). Fix: \(fix)" }
}
