import Foundation
import Testing
import Waku
import WakuMessaging

// Shared fixtures for the messaging suite. Every test builds its own application and its own
// `Probe`, so tests can run in parallel without sharing state.

/// Everything handlers, behaviors and factories observe, in one lock-protected place: an ordered
/// log, named counters and captured message contexts. Handlers get it through DI (the root module
/// provides it as an object and exports it; the root is global, so every module sees it).
final class Probe: @unchecked Sendable {
    // @unchecked: `entries`, `counts` and `contexts` are only read or written while holding
    // `lock` (an NSLock); none of the critical sections await.
    private let lock = NSLock()
    private var entries: [String] = []
    private var counts: [String: Int] = [:]
    private var contexts: [String: [MessageContext?]] = [:]

    private func locked<R>(_ body: () -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// Appends one line to the ordered log.
    func record(_ entry: String) { locked { entries.append(entry) } }

    /// The ordered log so far.
    var log: [String] { locked { entries } }

    /// Increments a named counter and returns its new value (a serial number).
    @discardableResult
    func bump(_ name: String) -> Int {
        locked {
            counts[name, default: 0] += 1
            return counts[name]!
        }
    }

    func count(_ name: String) -> Int { locked { counts[name, default: 0] } }

    /// Remembers a message context (or its absence) under a name.
    func capture(_ name: String, _ context: MessageContext?) {
        locked { contexts[name, default: []].append(context) }
    }

    /// Every context captured under `name`, in capture order.
    func captured(_ name: String) -> [MessageContext?] { locked { contexts[name] ?? [] } }

    /// The single context captured under `name`; fails the test if there is not exactly one.
    func only(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> MessageContext {
        let all = captured(name)
        try #require(all.count == 1, "expected exactly one context captured as \(name), got \(all.count)", sourceLocation: sourceLocation)
        return try #require(all[0], "context captured as \(name) was nil", sourceLocation: sourceLocation)
    }
}

/// A request-scoped object with a serial number, for telling scopes apart.
final class ScopeToken: Sendable {
    let serial: Int
    init(probe: Probe) { serial = probe.bump("ScopeToken.init") }
}

/// An error with a value, so tests can check that exactly the original error arrived.
struct Boom: Error, Equatable, Sendable {
    let code: Int
}

// MARK: Modules

/// Named, configurable feature modules. A module is identified by its type, so a test app uses
/// each of these at most once; the names make start-up issues readable ("OrdersModule").
struct OrdersModule: Module {
    var providers: [Provider] = []
    var imports: [any Module] = []
    var exports: [Export] = []
    var extensions: [any ModuleExtension] = []
}

struct NotificationModule: Module {
    var providers: [Provider] = []
    var imports: [any Module] = []
    var exports: [Export] = []
    var extensions: [any ModuleExtension] = []
}

struct AnalyticsModule: Module {
    var providers: [Provider] = []
    var imports: [any Module] = []
    var exports: [Export] = []
    var extensions: [any ModuleExtension] = []
}

struct BillingModule: Module {
    var providers: [Provider] = []
    var imports: [any Module] = []
    var exports: [Export] = []
    var extensions: [any ModuleExtension] = []
}

/// The root of every test application: imports the message bus (unless told not to) and the
/// feature modules, and shares the probe (plus any extra root providers) with every module.
struct TestRoot: Module {
    var imports: [any Module]
    var providers: [Provider]
    var exports: [Export]
}

func makeRoot(
    _ modules: [any Module], probe: Probe = Probe(), config: MessagingConfig? = MessagingConfig(),
    providers: [Provider] = [], exports: [Export] = []
) -> TestRoot {
    TestRoot(
        imports: (config.map { [MessagingModule.register($0)] } ?? []) + modules,
        providers: [object(probe)] + providers,
        exports: [.type(Probe.self)] + exports)
}

/// Builds the application, runs `body` between initialize and close, and returns its result.
@discardableResult
func withApp<R>(
    _ modules: [any Module], probe: Probe, config: MessagingConfig = MessagingConfig(),
    providers: [Provider] = [], exports: [Export] = [],
    _ body: (WakuApplication) async throws -> R
) async throws -> R {
    let app = try await WakuFactory(makeRoot(modules, probe: probe, config: config, providers: providers, exports: exports)).create()
    return try await app.run(body)
}

/// Opens one request scope and hands `body` that scope's bus.
@discardableResult
func inScope<R>(_ app: WakuApplication, _ body: (any IMessageBus) async throws -> R) async throws -> R {
    try await app.withContainer { container in
        try await body(try await container.get((any IMessageBus).self))
    }
}

/// Builds an application that must fail to start, and returns the start-up error.
func startupError(
    _ modules: [any Module], config: MessagingConfig? = MessagingConfig(), providers: [Provider] = [], exports: [Export] = [],
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> StartupError {
    do {
        _ = try await WakuFactory(makeRoot(modules, config: config, providers: providers, exports: exports)).create()
    } catch let error as StartupError {
        return error
    }
    Issue.record("expected a StartupError, but the application started", sourceLocation: sourceLocation)
    throw CancellationError()
}

extension StartupError {
    /// The one messaging issue whose message contains every fragment; fails if there is not exactly one.
    func messagingIssue(mentioning fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> StartupIssue {
        let matches = issues(of: .messaging).filter { issue in fragments.allSatisfy { issue.message.contains($0) } }
        try #require(matches.count == 1, "expected one messaging issue mentioning \(fragments), got \(matches.count) in:\n\(self)",
                     sourceLocation: sourceLocation)
        return matches[0]
    }
}
