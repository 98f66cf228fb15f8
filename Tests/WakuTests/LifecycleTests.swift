import ServiceLifecycle
import Testing
import Waku
import WakuTesting

@Suite("Lifecycle")
struct LifecycleTests {
    // MARK: Fixtures

    struct Pool: Sendable {}
    struct ConfiguredMarker: Sendable { let by: String }
    struct RegisteredMarker: Sendable { let by: String }

    /// One extension implementing every module hook, recording each call.
    struct ModuleHooks: OnModuleConfigure, OnModuleRegistration, OnModuleInit, OnModuleDestroy {
        let name: String
        let log: EventLog
        /// Configure: append a provider to the module's own metadata.
        var configuredProvider: Provider?
        /// Registration: add a provider to another module through the registry.
        var registerInto: (any Module.Type)?

        func onModuleConfigure(_ metadata: inout ModuleMetadata) throws {
            log.record("configure \(metadata.name)")
            if let configuredProvider { metadata.providers.append(configuredProvider) }
        }

        func onModuleRegistration(_ registry: ModuleRegistry, owningModule: ModuleIdentity?) throws {
            log.record("registration \(owningModule?.name ?? "app")")
            if let registerInto, let target = registry.module(ofType: registerInto) {
                let by = name
                let added = registry.addProvider(object(RegisteredMarker(by: by)), to: target.identity)
                log.record("added provider to \(target.name): \(added)")
            }
        }

        func onModuleInit(_ module: ModuleMetadata, app: WakuApplication) async throws {
            log.record("init \(module.name)")
        }

        func onModuleDestroy(_ module: ModuleMetadata, app: WakuApplication) async throws {
            log.record("destroy \(module.name)")
        }
    }

    /// App-level extension passed to `WakuFactory(extensions:)`.
    struct AppHooks: OnModuleRegistration, OnApplicationInit, AfterApplicationInit, OnApplicationShutdown {
        let log: EventLog
        func onModuleRegistration(_ registry: ModuleRegistry, owningModule: ModuleIdentity?) throws {
            log.record("registration \(owningModule?.name ?? "app") sees \(registry.modules.map(\.name))")
        }
        func onAppInit(_ app: WakuApplication) async throws { log.record("app init") }
        func afterAppInit(_ app: WakuApplication) async throws { log.record("after app init") }
        func onAppShutdown(_ app: WakuApplication) async throws { log.record("app shutdown") }
    }

    struct DatabaseModule: Module {
        let log: EventLog
        var providers: [Provider] {
            let log = log
            return [singleton { Finalized(Pool()) { log.record("container close: Pool cleanup") } }]
        }
        var exports: [Export] { [.type(Pool.self)] }
        var extensions: [any ModuleExtension] {
            [ModuleHooks(name: "Database", log: log, registerInto: LifecycleRoot.self)]
        }
    }
    struct UsersModule: Module {
        let log: EventLog
        var imports: [any Module] { [DatabaseModule(log: log)] }
        var extensions: [any ModuleExtension] { [ModuleHooks(name: "Users", log: log)] }
    }
    struct LifecycleRoot: Module {
        let log: EventLog
        var imports: [any Module] { [UsersModule(log: log)] }
        var extensions: [any ModuleExtension] {
            [ModuleHooks(name: "Root", log: log, configuredProvider: object(ConfiguredMarker(by: "configure")))]
        }
    }

    static func lifespan(_ name: String, _ log: EventLog) -> Lifespan {
        Lifespan(name) { _ in
            log.record("lifespan \(name) enter")
            return { log.record("lifespan \(name) exit") }
        }
    }

    // MARK: Order

    @Test func fullHookOrder() async throws {
        let log = EventLog()
        let app = try await WakuFactory(
            LifecycleRoot(log: log),
            lifespan: [Self.lifespan("first", log), Lifespan("second", enter: { _ in log.record("lifespan second enter") },
                                                               exit: { _ in log.record("lifespan second exit") })],
            extensions: [AppHooks(log: log)]
        ).create()

        // Metadata edits from both hooks reached the graph.
        #expect(try await app.container.get(ConfiguredMarker.self).by == "configure")
        #expect(try await app.container.get(RegisteredMarker.self).by == "Database")

        let result = try await app.run { app in
            _ = try await app.container.get(Pool.self)
            log.record("body")
            return 17
        }
        #expect(result == 17)
        #expect(log.events == [
            // 1. Configure while collecting: a module is configured before its imports are visited
            //    (configure may edit the imports).
            "configure LifecycleRoot", "configure UsersModule", "configure DatabaseModule",
            // 2. Registration: the app-level extension first, then modules in start-up order.
            "registration app sees [\"DatabaseModule\", \"UsersModule\", \"LifecycleRoot\"]",
            "registration DatabaseModule", "added provider to LifecycleRoot: true",
            "registration UsersModule",
            "registration LifecycleRoot",
            // 3. initialize(): module init (dependencies first), app init, after init, then
            //    lifespans, as waku's `async with app:`.
            "init DatabaseModule", "init UsersModule", "init LifecycleRoot",
            "app init", "after app init",
            "lifespan first enter", "lifespan second enter",
            "body",
            // 4. close(): module destroy (reverse), app shutdown, container close, lifespans (reverse).
            "destroy LifecycleRoot", "destroy UsersModule", "destroy DatabaseModule",
            "app shutdown",
            "container close: Pool cleanup",
            "lifespan second exit", "lifespan first exit",
        ])
    }

    struct ReadyHook: OnApplicationInit, AfterApplicationInit, OnApplicationShutdown {
        let log: EventLog
        func onAppInit(_ app: WakuApplication) async throws { log.record("module-declared app init") }
        func afterAppInit(_ app: WakuApplication) async throws { log.record("module-declared after init") }
        func onAppShutdown(_ app: WakuApplication) async throws { log.record("module-declared shutdown") }
    }
    struct ModuleWithAppHooks: Module {
        let log: EventLog
        var extensions: [any ModuleExtension] { [ReadyHook(log: log), ModuleHooks(name: "m", log: log)] }
    }
    struct ModuleWithAppHooksRoot: Module {
        let log: EventLog
        var imports: [any Module] { [ModuleWithAppHooks(log: log)] }
    }

    @Test func moduleDeclaredExtensionsCanImplementAppHooks() async throws {
        let log = EventLog()
        let app = try await WakuFactory(ModuleWithAppHooksRoot(log: log), extensions: [AppHooks(log: log)]).create()
        try await app.initialize()
        try await app.close()
        let lifecycle = log.events.filter { !$0.hasPrefix("configure") && !$0.hasPrefix("registration") }
        #expect(lifecycle == [
            "init ModuleWithAppHooks",
            // App-level extensions passed to the factory first, then those declared by modules.
            "app init", "module-declared app init",
            "after app init", "module-declared after init",
            "destroy ModuleWithAppHooks",
            "app shutdown", "module-declared shutdown",
        ])
    }

    @Test func initializeAndCloseAreIdempotent() async throws {
        let log = EventLog()
        let app = try await WakuFactory(
            LifecycleRoot(log: log), lifespan: [Self.lifespan("only", log)], extensions: [AppHooks(log: log)]
        ).create()
        #expect(!app.isInitialized)
        try await app.initialize()
        #expect(app.isInitialized)
        try await app.initialize()
        _ = try await app.container.get(Pool.self)
        try await app.close()
        #expect(!app.isInitialized)
        try await app.close()
        for event in [
            "lifespan only enter", "init DatabaseModule", "init LifecycleRoot", "app init", "after app init",
            "destroy DatabaseModule", "destroy LifecycleRoot", "app shutdown", "container close: Pool cleanup",
            "lifespan only exit",
        ] {
            #expect(log.count(of: event) == 1, "\(event) ran \(log.count(of: event)) times")
        }
    }

    // MARK: One run

    @Test func anApplicationRunsOnceAndSaysSoAfterClose() async throws {
        let log = EventLog()
        let app = try await WakuFactory(
            LifecycleRoot(log: log), lifespan: [Self.lifespan("once", log)], extensions: [AppHooks(log: log)]
        ).create()
        try await app.run { _ in }
        let afterFirstRun = log.events

        let initializeError = await #expect(throws: ApplicationClosedError.self) { try await app.initialize() }
        #expect(initializeError?.operation == "initialize()")
        #expect(initializeError?.description.contains("WakuFactory(…).create()") == true, "\(String(describing: initializeError))")
        #expect(!app.isInitialized)

        var ran = false
        let scopeError = await #expect(throws: ApplicationClosedError.self) {
            try await app.withContainer { _ in ran = true }
        }
        #expect(!ran)
        #expect(scopeError?.description.contains("withContainer") == true)
        await #expect(throws: ApplicationClosedError.self) { try await app.run { _ in } }
        // Nothing ran a second time: no hook, no lifespan.
        #expect(log.events == afterFirstRun)
    }

    @Test func withContainerStillWorksDuringShutdownHooks() async throws {
        let sawScope = Signal()
        struct ScopeInShutdown: OnApplicationShutdown {
            let signal: Signal
            func onAppShutdown(_ app: WakuApplication) async throws {
                // Endpoints drain here, through request scopes.
                try await app.withContainer { _ in signal.fire() }
            }
        }
        let app = try await WakuFactory(LifecycleRoot(log: EventLog()), extensions: [ScopeInShutdown(signal: sawScope)]).create()
        try await app.initialize()
        try await app.close()
        #expect(await sawScope.wait())
    }

    struct FailingLifespanHooks: Module {
        let log: EventLog
        var imports: [any Module] { [DatabaseModule(log: log)] }
    }

    @Test func aLifespanThatFailsToEnterClosesEverythingThatStarted() async throws {
        let log = EventLog()
        let app = try await WakuFactory(
            FailingLifespanHooks(log: log),
            lifespan: [
                Self.lifespan("first", log),
                Lifespan("broken") { _ in throw TestFailure(tag: "lifespan") },
            ],
            extensions: [AppHooks(log: log)]
        ).create()
        await #expect(throws: TestFailure(tag: "lifespan")) { try await app.initialize() }
        let lifecycle = log.events.filter { !$0.hasPrefix("configure") && !$0.hasPrefix("registration") && !$0.hasPrefix("added") }
        #expect(lifecycle == [
            "init DatabaseModule", "app init", "after app init", "lifespan first enter",
            "destroy DatabaseModule", "app shutdown", "lifespan first exit",
        ])
        #expect(!app.isInitialized)
    }

    // MARK: Failures

    struct FailingConfigure: OnModuleConfigure {
        func onModuleConfigure(_ metadata: inout ModuleMetadata) throws { throw TestFailure(tag: "configure") }
    }
    struct FailingRegistration: OnModuleRegistration {
        func onModuleRegistration(_ registry: ModuleRegistry, owningModule: ModuleIdentity?) throws {
            throw TestFailure(tag: "registration")
        }
    }
    struct BadlyConfigured: Module {
        var extensions: [any ModuleExtension] { [FailingConfigure()] }
    }
    struct BadlyRegistered: Module {
        var imports: [any Module] { [BadlyConfigured()] }
        var extensions: [any ModuleExtension] { [FailingRegistration()] }
    }

    @Test func failingConfigureAndRegistrationHooksAreStartupIssues() async throws {
        let error = try await startupError(WakuFactory(BadlyRegistered()))
        let issues = error.issues(of: .extensionFailure)
        #expect(error.issues.count == 2)
        #expect(issues.map(\.modules) == [["BadlyConfigured"], ["BadlyRegistered"]])
        #expect(issues[0].message.contains("FailingConfigure.onModuleConfigure"))
        #expect(issues[0].message.contains("configure"))
        #expect(issues[1].message.contains("FailingRegistration.onModuleRegistration"))
    }

    struct FailingInit: OnModuleInit {
        let log: EventLog
        func onModuleInit(_ module: ModuleMetadata, app: WakuApplication) async throws {
            log.record("init \(module.name) fails")
            throw TestFailure(tag: "init")
        }
    }
    struct FailsToInit: Module {
        let log: EventLog
        var imports: [any Module] { [DatabaseModule(log: log)] }
        // Its own init hook runs, then FailingInit throws: the module never finished starting.
        var extensions: [any ModuleExtension] { [ModuleHooks(name: "FailsToInit", log: log), FailingInit(log: log)] }
    }

    @Test func failedInitializeClosesWhatStartedAndRethrows() async throws {
        let log = EventLog()
        let app = try await WakuFactory(
            FailsToInit(log: log), lifespan: [Self.lifespan("guarded", log)], extensions: [AppHooks(log: log)]
        ).create()
        await #expect(throws: TestFailure(tag: "init")) { try await app.initialize() }
        #expect(!app.isInitialized)
        let events = log.events
        #expect(events.contains("init FailsToInit fails"))
        #expect(!events.contains("app init"))
        // Only what started is torn down: Database's init ran, so its destroy runs; the app-level
        // init hooks never ran, so neither do the shutdown hooks.
        #expect(events.contains("destroy DatabaseModule"))
        #expect(!events.contains("destroy FailsToInit"))
        #expect(!events.contains("app shutdown"))
        // Lifespans enter after the init hooks, so this one never entered and never exits.
        #expect(!events.contains("lifespan guarded enter"))
        #expect(!events.contains("lifespan guarded exit"))
        #expect(events.last == "destroy DatabaseModule")
        // Closing again does nothing more.
        try await app.close()
        #expect(log.events == events)
    }

    // MARK: swift-service-lifecycle

    struct StartedHook: AfterApplicationInit {
        let started: Signal
        func afterAppInit(_ app: WakuApplication) async throws { started.fire() }
    }

    @Test(.timeLimit(.minutes(1)))
    func runsAsAServiceInAServiceGroup() async throws {
        let log = EventLog()
        let started = Signal()
        let app = try await WakuFactory(
            LifecycleRoot(log: log), lifespan: [Self.lifespan("service", log)],
            extensions: [AppHooks(log: log), StartedHook(started: started)]
        ).create()
        let group = ServiceGroup(services: [app])
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await started.wait())
            #expect(app.isInitialized)
            #expect(log.count(of: "app shutdown") == 0)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(!app.isInitialized)
        let lifecycle = log.events.filter { !$0.hasPrefix("configure") && !$0.hasPrefix("registration") && !$0.hasPrefix("added") }
        #expect(lifecycle == [
            "init DatabaseModule", "init UsersModule", "init LifecycleRoot",
            "app init", "after app init",
            "lifespan service enter",
            "destroy LifecycleRoot", "destroy UsersModule", "destroy DatabaseModule",
            "app shutdown",
            "lifespan service exit",
        ])
    }
}
