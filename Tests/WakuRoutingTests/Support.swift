import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Shared fixtures for the routing suite. Every test builds its own application, its own `Probe`
// and its own signals, so tests run in parallel without sharing state. Tests wait on signals
// (`Signal.reach`), `trackMessages` or continuations; they never sleep to let work happen. The
// only timers are safety nets that turn a would-be hang into a recorded failure.

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

// MARK: Signals

/// A count tasks can await without polling: `await signal.reach(4)`.
///
/// As a gate: `open()` is `increment()`, `wait()` is `reach(1)`. As a barrier of `n`: each party
/// calls `increment()` then `reach(n)`.
final class Signal: Sendable {
    private struct Waiter {
        let id: Int
        let target: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var value = 0
        var nextID = 0
        var waiters: [Waiter] = []
        /// Waiters cancelled before they registered.
        var cancelled: Set<Int> = []
    }

    private let state = Locked(State())

    var value: Int { state.withLock { $0.value } }

    /// Adds to the count and wakes every waiter whose target is reached.
    @discardableResult
    func increment(by amount: Int = 1) -> Int {
        let (value, ready): (Int, [Waiter]) = state.withLock { state in
            state.value += amount
            let value = state.value
            let ready = state.waiters.filter { $0.target <= value }
            state.waiters.removeAll { $0.target <= value }
            return (value, ready)
        }
        for waiter in ready { waiter.continuation.resume(returning: true) }
        return value
    }

    func open() { increment() }

    /// Waits until the count reaches `target`. Returns `false` if the task is cancelled first or
    /// if `safety` elapses (a safety net against hangs, never a timing assertion).
    func reach(_ target: Int, safety: Duration = .seconds(20)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.cancellableWait(for: target) }
            group.addTask {
                try? await Task.sleep(for: safety)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Waits for the gate, cooperatively: returns `false` on cancellation or after `safety`.
    func wait(safety: Duration = .seconds(20)) async -> Bool { await reach(1, safety: safety) }

    /// Waits for the gate and ignores cancellation: a handler that does not cooperate.
    func waitIgnoringCancellation() async {
        _ = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.value >= 1 { return true }
                state.nextID += 1
                state.waiters.append(Waiter(id: state.nextID, target: 1, continuation: continuation))
                return false
            }
            if ready { continuation.resume(returning: true) }
        }
    }

    private func cancellableWait(for target: Int) async -> Bool {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate = state.withLock { state -> Bool? in
                    if state.value >= target { return true }
                    if state.cancelled.remove(id) != nil { return false }
                    state.waiters.append(Waiter(id: id, target: target, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(returning: false)
        }
    }
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

/// Everything handlers and behaviors observe, per test: executions, an ordered log, counters,
/// per-handler behaviours and per-name signals. Handlers get it through DI.
final class Probe: Sendable {
    private struct State {
        var executions: [Execution] = []
        var log: [String] = []
        var counters: [String: Int] = [:]
        var behaviours: [String: Behaviour] = [:]
        var signals: [String: Signal] = [:]
    }

    private let state = Locked(State())

    /// Installs what `handler` does after recording each execution (throw to fail it).
    func on(_ handler: String, _ behaviour: @escaping Behaviour) {
        state.withLock { $0.behaviours[handler] = behaviour }
    }

    /// The signal named `name`, created on first use. Handlers bump "<Handler>.started" and
    /// "<Handler>.done" (after a successful behaviour).
    func signal(_ name: String) -> Signal {
        state.withLock { state in
            if let signal = state.signals[name] { return signal }
            let signal = Signal()
            state.signals[name] = signal
            return signal
        }
    }

    func record(_ line: String) { state.withLock { $0.log.append(line) } }
    var log: [String] { state.withLock { $0.log } }

    @discardableResult
    func bump(_ name: String) -> Int {
        state.withLock { state in
            state.counters[name, default: 0] += 1
            return state.counters[name]!
        }
    }

    func count(_ name: String) -> Int { state.withLock { $0.counters[name, default: 0] } }

    var executions: [Execution] { state.withLock { $0.executions } }
    func executions(of handler: String) -> [Execution] { executions.filter { $0.handler == handler } }

    /// Called by every test handler: records the execution, runs the installed behaviour, and
    /// counts the success.
    func hit(_ handler: String, n: Int, scope: Int? = nil) async throws {
        let execution = Execution(
            handler: handler, n: n, context: MessageContext.current, marker: PublisherMarker.value, scope: scope)
        let behaviour = state.withLock { state -> Behaviour? in
            state.executions.append(execution)
            return state.behaviours[handler]
        }
        signal("\(handler).started").increment()
        try await behaviour?(execution)
        bump("\(handler).done")
        signal("\(handler).done").increment()
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
    try await makeApp(modules, probe: probe, config: config, hooks: hooks).run(body)
}

/// Builds an application that must fail to start, and returns the start-up error.
func startupError(
    _ modules: [any Module], config: MessagingConfig, sourceLocation: SourceLocation = #_sourceLocation
) async throws -> StartupError {
    do {
        _ = try await makeApp(modules, probe: Probe(), config: config)
    } catch let error as StartupError {
        return error
    }
    Issue.record("expected a StartupError, but the application started", sourceLocation: sourceLocation)
    throw CancellationError()
}

extension StartupError {
    /// The one routing issue whose message contains every fragment; fails if there is not exactly one.
    func routingIssue(mentioning fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> StartupIssue {
        let matches = issues(of: .routing).filter { issue in fragments.allSatisfy { issue.message.contains($0) } }
        try #require(
            matches.count == 1, "expected one routing issue mentioning \(fragments), got \(matches.count) in:\n\(self)",
            sourceLocation: sourceLocation)
        return matches[0]
    }
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

// MARK: Observation

/// Records what the runtime reports about routed deliveries, with the original errors.
final class RecordingObserver: MessageObserver {
    struct Finished: Sendable {
        let delivery: Delivery
        let outcome: DeliveryProcessor.Outcome
        let error: (any Error)?
    }

    struct Failed: Sendable {
        let envelope: MessageEnvelope
        let handler: String
        let endpoint: String?
        let error: any Error
        let attempt: Int
        let willRetry: Bool
    }

    private struct State {
        var enqueued: [Delivery] = []
        var finished: [Finished] = []
        var failed: [Failed] = []
    }

    private let state = Locked(State())
    /// Incremented once per finished delivery, for waiting.
    let finishedSignal = Signal()

    var enqueued: [Delivery] { state.withLock { $0.enqueued } }
    var finished: [Finished] { state.withLock { $0.finished } }
    var failed: [Failed] { state.withLock { $0.failed } }

    func deliveryEnqueued(_ delivery: Delivery) {
        state.withLock { $0.enqueued.append(delivery) }
    }

    func deliveryFinished(_ delivery: Delivery, outcome: DeliveryProcessor.Outcome, error: (any Error)?) {
        state.withLock { $0.finished.append(Finished(delivery: delivery, outcome: outcome, error: error)) }
        finishedSignal.increment()
    }

    func handlerFailed(_ envelope: MessageEnvelope, handler: String, endpoint: String?, error: any Error, attempt: Int, willRetry: Bool) {
        state.withLock {
            $0.failed.append(Failed(envelope: envelope, handler: handler, endpoint: endpoint, error: error, attempt: attempt, willRetry: willRetry))
        }
    }
}

/// A fast error policy for tests: `retries` retries 1 ms apart, no jitter.
func fastRetry(_ retries: Int, then exhausted: ErrorPolicy.Exhausted = .deadLetter, attemptTimeout: Duration? = nil) -> ErrorPolicy {
    ErrorPolicy(
        maxRetries: retries, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(1), jitter: 0,
        whenExhausted: exhausted, attemptTimeout: attemptTimeout)
}
