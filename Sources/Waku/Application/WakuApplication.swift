public import Logging
public import ServiceLifecycle

/// A built application: its modules, its app container and its lifecycle.
///
/// Start-up order, as waku's: module init (dependencies first), app init, after-init, then
/// lifespans enter. Close order: module destroy (reverse), app shutdown, container close (app
/// cleanups), lifespans exit (reverse). ``initialize()`` and ``close()`` are idempotent.
///
/// An application runs once: after ``close()``, ``initialize()`` and
/// ``withContainer(context:isolation:_:)`` throw ``ApplicationClosedError``. Build a new one
/// with ``WakuFactory/create()`` for another run.
///
/// It is a swift-service-lifecycle `Service`, so it can run in a `ServiceGroup` beside an HTTP
/// server: `run()` initializes, waits for graceful shutdown, then closes.
public final class WakuApplication: Sendable, Service {
    /// Modules in start-up order, the root last.
    public let modules: [ModuleMetadata]
    /// The app-scope container.
    public let container: Container
    /// The logger given to ``WakuFactory``, used for close-time failures and by the containers.
    public let logger: Logger
    let lifespan: [Lifespan]
    let extensions: [any ApplicationExtension]
    private let phase = Locked(Phase.created)
    private let exits = Locked([(String, Lifespan.Exit)]())
    /// What `initialize()` got through, so `close()` after a failed start tears down only that:
    /// the number of modules whose `OnModuleInit` hooks all ran, and whether the app-level init
    /// hooks ran.
    private let started = Locked((modules: 0, appHooks: false))

    enum Phase: Equatable {
        case created, initializing, initialized, closing, closed
    }

    init(
        modules: [ModuleMetadata], graph: CompiledGraph, context: ContextValues, lifespan: [Lifespan],
        extensions: [any ApplicationExtension], logger: Logger
    ) {
        self.modules = modules
        self.lifespan = lifespan
        self.extensions = extensions
        self.logger = logger
        container = Container(appGraph: graph, context: context, logger: logger)
    }

    /// Whether ``initialize()`` has completed and ``close()`` has not started.
    public var isInitialized: Bool { phase.withLock { $0 == .initialized } }

    /// Runs the init hooks, then enters lifespans. Calling it again does nothing. If a step fails,
    /// what already started is closed again and the error is rethrown.
    ///
    /// - Throws: ``ApplicationClosedError`` once ``close()`` has started: an application runs
    ///   once (its singletons, cleanups and endpoints are not rebuilt).
    public func initialize() async throws {
        let proceed = try phase.withLock { phase -> Bool in
            switch phase {
            case .created:
                phase = .initializing
                return true
            case .initializing, .initialized:
                return false
            case .closing, .closed:
                throw ApplicationClosedError(operation: "initialize()")
            }
        }
        guard proceed else { return }
        do {
            for module in modules {
                for case let hook as any OnModuleInit in module.extensions {
                    try await hook.onModuleInit(module, app: self)
                }
                started.withLock { $0.modules += 1 }
            }
            // Shutdown hooks pair with init hooks: once any of these starts, all of them get to
            // clean up, as each may have half-started something.
            started.withLock { $0.appHooks = true }
            for hook in appHooks(OnApplicationInit.self) { try await hook.onAppInit(self) }
            phase.withLock { $0 = .initialized }
            for hook in appHooks(AfterApplicationInit.self) { try await hook.afterAppInit(self) }
            // After the after-init hooks, as waku's `async with app:` enters them.
            for item in lifespan {
                let exit = try await item.enter(self)
                exits.withLock { $0.append((item.name, exit)) }
            }
        } catch {
            phase.withLock { $0 = .initialized }
            try? await close()
            throw error
        }
    }

    /// Runs the shutdown hooks, closes the app container and exits lifespans. Calling it again
    /// does nothing. Every step runs even if an earlier one fails; the first error is rethrown.
    public func close() async throws {
        let proceed = phase.withLock { phase -> Bool in
            guard phase != .closing, phase != .closed else { return false }
            phase = .closing
            return true
        }
        guard proceed else { return }
        var errors: [any Error] = []
        let started = self.started.withLock { $0 }
        for module in modules.prefix(started.modules).reversed() {
            for case let hook as any OnModuleDestroy in module.extensions {
                do { try await hook.onModuleDestroy(module, app: self) } catch { errors.append(logged(error, "onModuleDestroy")) }
            }
        }
        if started.appHooks {
            for hook in appHooks(OnApplicationShutdown.self) {
                do { try await hook.onAppShutdown(self) } catch { errors.append(logged(error, "onAppShutdown")) }
            }
        }
        errors += await container.close()
        let exits = self.exits.withLock { exits in
            defer { exits = [] }
            return exits
        }
        for (name, exit) in exits.reversed() {
            do { try await exit() } catch { errors.append(logged(error, "lifespan \(name) exit")) }
        }
        phase.withLock { $0 = .closed }
        if let first = errors.first { throw first }
    }

    /// Initializes, runs `body`, and always closes: waku's `async with app:`.
    public func run<R>(
        isolation: isolated (any Actor)? = #isolation, _ body: (WakuApplication) async throws -> R
    ) async throws -> R {
        try await initialize()
        let result: R
        do {
            result = try await body(self)
        } catch {
            try? await close()
            throw error
        }
        try await close()
        return result
    }

    /// `Service`: initializes, waits for graceful shutdown (or cancellation), then closes.
    public func run() async throws {
        try await initialize()
        do {
            try await gracefulShutdown()
        } catch {
            // Cancellation also ends the service; close either way.
        }
        try await close()
    }

    /// Opens a request scope, runs `body` with its container, and always closes the scope: cleanups
    /// run in reverse creation order even when `body` throws.
    ///
    /// Inlinable so `body` is called directly, without an async closure call, and a scope that
    /// created nothing needing cleanup closes without an async call.
    ///
    /// - Throws: ``ApplicationClosedError``, without running `body`, once the app container has
    ///   closed (shutdown hooks, which drain endpoints, still get scopes).
    @inlinable
    public func withContainer<R>(
        context: ContextValues = ContextValues(),
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Container) async throws -> R
    ) async throws -> R {
        guard !container.isClosed else { throw ApplicationClosedError(operation: "withContainer") }
        let scope = Container(requestOf: container, context: context)
        let result: R
        do {
            result = try await body(scope)
        } catch {
            await scope.close()
            throw error
        }
        if scope.closeIfNothingToCleanUp() { return result }
        try await scope.closeRunningCleanups()
        return result
    }

    /// Every app-level hook of type `H`: app extensions first, then those declared by modules.
    func appHooks<H>(_ type: H.Type) -> [H] {
        extensions.compactMap { $0 as? H } + modules.flatMap { $0.extensions.compactMap { $0 as? H } }
    }

    /// App-level extensions of type `E` passed to the factory or declared by modules.
    public func extensions<E>(ofType type: E.Type) -> [E] { appHooks(type) }

    private func logged(_ error: any Error, _ step: String) -> any Error {
        logger.error("Waku close: \(step) failed: \(error)")
        return error
    }
}

/// An operation that needs a running application was called after ``WakuApplication/close()``.
///
/// An application runs once: its singletons, app-scope cleanups and endpoints are not rebuilt.
public struct ApplicationClosedError: Error, Sendable, CustomStringConvertible {
    /// What was called: `initialize()` or `withContainer`.
    public let operation: String

    /// An error for `operation`, called after close.
    public init(operation: String) { self.operation = operation }

    /// What was called after close, and that a new application must be built for another run.
    public var description: String {
        "Cannot \(operation == "initialize()" ? "initialize" : "open a request scope with withContainer"): "
            + "the WakuApplication was closed, and an application runs once. "
            + "Build a new one with `try await WakuFactory(…).create()` (in tests, `makeTestApp(…)`) for another run."
    }
}
