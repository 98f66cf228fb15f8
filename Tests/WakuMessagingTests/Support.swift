import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Shared fixtures for the messaging suite. Every test builds its own application and its own
// `Probe`, so tests can run in parallel without sharing state.

// Handlers, behaviors and factories record what they observe in WakuTesting's `Probe` (an
// ordered log, named counters and captured message contexts), which the root module provides
// as an object and exports; the root is global, so every module sees it.

extension Probe {
    /// Every message context (or its absence) captured under `name`, in capture order.
    func contexts(_ name: String) -> [MessageContext?] { captured(name, as: MessageContext?.self) }

    /// The single context captured under `name`; fails the test if there is not exactly one.
    func only(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> MessageContext {
        let all = contexts(name)
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
    try await withTestApp(WakuFactory(makeRoot(modules, probe: probe, config: config, providers: providers, exports: exports)), body)
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
    _ modules: [any Module], config: MessagingConfig? = MessagingConfig(), providers: [Provider] = [], exports: [Export] = []
) async throws -> StartupError {
    try await startupError(WakuFactory(makeRoot(modules, config: config, providers: providers, exports: exports)))
}
