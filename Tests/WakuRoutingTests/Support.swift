import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Shared fixtures for the routing suite. Every test builds its own application, its own `Probe`
// and its own signals (WakuTesting's), so tests run in parallel without sharing state. Tests wait
// on signals (`Signal.reach`), `trackMessages`, `MessageRecorder.wait` or continuations; they never
// sleep to let work happen. The only timers are safety nets that turn a would-be hang into a
// recorded failure.

// MARK: Messages

/// The routed event most tests publish.
struct Ping: IEvent {
    let n: Int
}

/// The event a cascading handler publishes while handling a `Ping`.
struct Pong: IEvent {
    let n: Int
}

/// A request, for `send` (routable) and `invoke` (always inline).
struct Job: IRequest {
    typealias Response = Int
    let n: Int
}

/// An error with a value, so tests can check that exactly the original error arrived.
struct Boom: Error, Equatable, CustomStringConvertible {
    let code: Int
    var description: String { "Boom(\(code))" }
}

/// A task-local the test sets around `publish`/`send`/`invoke`: a handler that sees it ran on the
/// publisher's task (inline); a routed handler, run by an endpoint worker, must not see it.
enum PublisherMarker {
    @TaskLocal static var value: String?
}

// MARK: Probe

/// One handler execution, as the handler saw it.
struct Execution: Sendable {
    let handler: String
    let n: Int
    let context: MessageContext?
    /// ``PublisherMarker`` as the handler saw it.
    let marker: String?
    /// The serial of the request-scoped ``ScopeToken`` the handler got, if it takes one.
    let scope: Int?
}

/// What a test handler does after recording its execution; installed per handler name.
typealias Behaviour = @Sendable (Execution) async throws -> Void

/// A behaviour installed with ``Probe/on(_:_:)``, boxed so the probe can capture it.
private struct InstalledBehaviour: Sendable {
    let run: Behaviour
}

/// What the routing suite's handlers record in WakuTesting's `Probe`: their executions, and the
/// per-handler behaviours tests install. Handlers get the probe through DI.
extension Probe {
    /// Installs what `handler` does after recording each execution (throw to fail it); the last
    /// one installed wins.
    func on(_ handler: String, _ behaviour: @escaping Behaviour) {
        capture("behaviour.\(handler)", InstalledBehaviour(run: behaviour))
    }

    var executions: [Execution] { captured("executions", as: Execution.self) }
    func executions(of handler: String) -> [Execution] { executions.filter { $0.handler == handler } }

    /// Called by every test handler: records the execution and bumps "<Handler>.started", runs
    /// the installed behaviour, then bumps "<Handler>.done" (counters are signals to wait on).
    func hit(_ handler: String, n: Int, scope: Int? = nil) async throws {
        let execution = Execution(
            handler: handler, n: n, context: MessageContext.current, marker: PublisherMarker.value, scope: scope)
        capture("executions", execution)
        bump("\(handler).started")
        try await captured("behaviour.\(handler)", as: InstalledBehaviour.self).last?.run(execution)
        bump("\(handler).done")
    }
}

/// A request-scoped object with a serial number, for telling scopes apart.
final class ScopeToken: Sendable {
    let serial: Int
    init(probe: Probe) { serial = probe.bump("ScopeToken") }
}

// MARK: Handlers

struct PingA: EventHandler {
    let probe: Probe
    func handle(_ event: Ping) async throws { try await probe.hit("PingA", n: event.n) }
}

struct PingB: EventHandler {
    let probe: Probe
    func handle(_ event: Ping) async throws { try await probe.hit("PingB", n: event.n) }
}

struct PingC: EventHandler {
    let probe: Probe
    func handle(_ event: Ping) async throws { try await probe.hit("PingC", n: event.n) }
}

/// Takes the request-scoped token, to show which scope it was resolved in.
struct PingScoped: EventHandler {
    let probe: Probe
    let token: ScopeToken
    func handle(_ event: Ping) async throws { try await probe.hit("PingScoped", n: event.n, scope: token.serial) }
}

/// Publishes `Pong(n)` from inside its own handling: a cascade.
struct PingCascade: EventHandler {
    let probe: Probe
    let publisher: any IPublisher
    func handle(_ event: Ping) async throws {
        try await probe.hit("PingCascade", n: event.n)
        try await publisher.publish(Pong(n: event.n))
    }
}

struct PongA: EventHandler {
    let probe: Probe
    func handle(_ event: Pong) async throws { try await probe.hit("PongA", n: event.n) }
}

struct JobHandler: RequestHandler {
    let probe: Probe
    func handle(_ request: Job) async throws -> Int {
        try await probe.hit("JobHandler", n: request.n)
        return request.n * 2
    }
}

/// A request handler that publishes `Ping(n)`: a dispatch with a parent context.
struct Kickoff: IRequest {
    typealias Response = Void
    let n: Int
}

struct KickoffHandler: RequestHandler {
    let probe: Probe
    let publisher: any IPublisher
    func handle(_ request: Kickoff) async throws {
        try await probe.hit("KickoffHandler", n: request.n)
        try await publisher.publish(Ping(n: request.n))
    }
}

/// A global behavior that logs around every execution it wraps, with the message id it saw.
struct RecordingBehavior: IPipelineBehavior, Injectable {
    let probe: Probe
    static var factory: Factory<RecordingBehavior> { Factory(RecordingBehavior.init) }

    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        let name = context.messageType.split(separator: ".").last.map(String.init) ?? context.messageType
        probe.record("behavior> \(name) \(context.messageId)")
        let result = try await next()
        probe.record("behavior< \(name) \(context.messageId)")
        return result
    }
}

// MARK: Modules

/// Feature modules, identified by type, so routes can name them (`routeModule(ModA.self)`).
struct ModA: Module {
    var extensions: [any ModuleExtension] = []
}

struct ModB: Module {
    var extensions: [any ModuleExtension] = []
}

struct ModC: Module {
    var extensions: [any ModuleExtension] = []
}

/// A module with no handlers at all.
struct EmptyModule: Module {}

/// The root of every test application: imports the bus and the feature modules; shares the probe
/// and the scope token with every module (the root is global). `hooks` are root extensions, which
/// run after the messaging module's (its endpoints start before a root `AfterApplicationInit`).
struct RoutingRoot: Module {
    var imports: [any Module]
    var providers: [Provider]
    var exports: [Export]
    var extensions: [any ModuleExtension]
}

func makeRoot(_ modules: [any Module], probe: Probe, config: MessagingConfig, hooks: [any ModuleExtension] = []) -> RoutingRoot {
    RoutingRoot(
        imports: [MessagingModule.register(config)] + modules,
        providers: [object(probe), scoped(ScopeToken.init)],
        exports: [.type(Probe.self), .type(ScopeToken.self)],
        extensions: hooks)
}

/// Builds the application (not yet initialized).
func makeApp(
    _ modules: [any Module], probe: Probe, config: MessagingConfig, hooks: [any ModuleExtension] = []
) async throws -> WakuApplication {
    try await WakuFactory(makeRoot(modules, probe: probe, config: config, hooks: hooks)).create()
}

/// Builds the application and runs `body` between initialize and close (close drains endpoints).
func withApp<R>(
    _ modules: [any Module], probe: Probe, config: MessagingConfig, hooks: [any ModuleExtension] = [],
    _ body: (WakuApplication) async throws -> R
) async throws -> R {
    try await withTestApp(WakuFactory(makeRoot(modules, probe: probe, config: config, hooks: hooks)), body)
}

/// Builds an application that must fail to start, and returns the start-up error.
func startupError(_ modules: [any Module], config: MessagingConfig) async throws -> StartupError {
    try await startupError(WakuFactory(makeRoot(modules, probe: Probe(), config: config)))
}

// MARK: Dispatch helpers

/// Publishes in a fresh request scope.
func publish<E: IEvent>(_ app: WakuApplication, _ event: E) async throws {
    try await app.withContainer { container in
        try await container.get((any IPublisher).self).publish(event)
    }
}

/// Publishes `count` events, one scope each, sequentially.
func publishAll(_ app: WakuApplication, _ range: Range<Int>) async throws {
    try await app.withContainer { container in
        let publisher = try await container.get((any IPublisher).self)
        for n in range { try await publisher.publish(Ping(n: n)) }
    }
}

func runtime(of app: WakuApplication) async throws -> MessagingRuntime {
    try await app.container.get(MessagingRuntime.self)
}

/// Runs `body` under ``trackMessages(_:timeout:isolation:_:)`` and returns the session.
func track(_ app: WakuApplication, _ body: () async throws -> Void) async throws -> TrackedSession {
    try await trackMessages(app, body).session
}

/// A fast error policy for tests: `retries` retries 1 ms apart, no jitter.
func fastRetry(_ retries: Int, then exhausted: ErrorPolicy.Exhausted = .deadLetter, attemptTimeout: Duration? = nil) -> ErrorPolicy {
    ErrorPolicy(
        maxRetries: retries, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(1), jitter: 0,
        whenExhausted: exhausted, attemptTimeout: attemptTimeout)
}
