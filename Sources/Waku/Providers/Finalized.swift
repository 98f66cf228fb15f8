/// A value returned by a factory together with the cleanup that releases it.
///
/// The cleanup runs when the scope that owns the value closes, in reverse creation order, even
/// when the scope's body threw. App-scoped cleanups run at ``WakuApplication/close()``.
///
/// ```swift
/// scoped { (pool: ConnectionPool) async throws in
///     let connection = try await pool.lease()
///     return Finalized(connection) { await pool.release(connection) }
/// }
/// ```
public struct Finalized<Value: Sendable>: Sendable {
    /// The value the provider resolves to.
    public let value: Value
    /// Releases ``value``; run once, when the owning scope closes.
    public let cleanup: @Sendable () async throws -> Void

    /// Pairs `value` with the cleanup that releases it.
    public init(_ value: Value, cleanup: @escaping @Sendable () async throws -> Void) {
        self.value = value
        self.cleanup = cleanup
    }
}
