/// Work that brackets the application's running life: entered at the end of
/// ``WakuApplication/initialize()``, after the ``AfterApplicationInit`` hooks (as waku's
/// `async with app:` enters its lifespans), and exited in reverse order at the very end of
/// ``WakuApplication/close()``, after the app container closed.
///
/// ```swift
/// Lifespan("metrics server") { app in
///     let server = try await MetricsServer.start()
///     return { await server.stop() }
/// }
/// ```
public struct Lifespan: Sendable {
    /// The action a lifespan's enter step returns, run once at close to undo what entering started.
    public typealias Exit = @Sendable () async throws -> Void

    /// The lifespan's name, used in the error logged when its exit action throws.
    public let name: String
    let enter: @Sendable (WakuApplication) async throws -> Exit

    /// A lifespan whose enter action returns its own exit action, so both can share state.
    ///
    /// - Parameter name: names the lifespan in the error logged if its exit action throws.
    /// - Parameter enter: runs at start-up and returns the exit action to run at close.
    public init(_ name: String = "lifespan", _ enter: @escaping @Sendable (WakuApplication) async throws -> Exit) {
        self.name = name
        self.enter = enter
    }

    /// A lifespan from separate enter and exit actions.
    public init(
        _ name: String = "lifespan",
        enter: @escaping @Sendable (WakuApplication) async throws -> Void,
        exit: @escaping @Sendable (WakuApplication) async throws -> Void
    ) {
        self.name = name
        self.enter = { app in
            try await enter(app)
            return { try await exit(app) }
        }
    }
}
