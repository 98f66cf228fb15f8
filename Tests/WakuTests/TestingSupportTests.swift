import Testing
import Waku
import WakuTesting

@Suite("WakuTesting")
struct TestingSupportTests {
    // MARK: Fixtures

    protocol Mailer: Sendable { var name: String { get } }
    struct SMTPMailer: Mailer { let name = "smtp" }
    struct FakeMailer: Mailer { let name: String }
    struct Notifier: Sendable { let mailer: any Mailer }
    struct Unregistered: Sendable {}

    struct MailModule: Module {
        var providers: [Provider] {
            [
                singleton((any Mailer).self, SMTPMailer.init),
                scoped { (mailer: any Mailer) in Notifier(mailer: mailer) },
            ]
        }
    }

    @Test func overrideReplacesInsideTheClosureAndRestoresAfterwards() async throws {
        let app = try await WakuFactory(MailModule()).create()
        #expect(try await app.container.get((any Mailer).self).name == "smtp")
        let inside = try await override(app, object(FakeMailer(name: "fake"), as: (any Mailer).self)) {
            let direct = try await app.container.get((any Mailer).self).name
            let injected = try await app.withContainer { try await $0.get(Notifier.self).mailer.name }
            return [direct, injected]
        }
        #expect(inside == ["fake", "fake"])
        #expect(try await app.container.get((any Mailer).self).name == "smtp")
        #expect(try await app.withContainer { try await $0.get(Notifier.self).mailer.name } == "smtp")
    }

    @Test func overrideRestoresWhenTheClosureThrows() async throws {
        let app = try await WakuFactory(MailModule()).create()
        await #expect(throws: TestFailure(tag: "inside override")) {
            try await override(app, object(FakeMailer(name: "fake"), as: (any Mailer).self)) {
                #expect(try await app.container.get((any Mailer).self).name == "fake")
                throw TestFailure(tag: "inside override")
            }
        }
        #expect(try await app.container.get((any Mailer).self).name == "smtp")
    }

    @Test func overridingWithFactoriesGivesFreshSingletonsEachTime() async throws {
        let app = try await WakuFactory(MailModule()).create()
        let first = try await override(app, singleton((any Mailer).self, { FakeMailer(name: "first") })) {
            try await app.container.get((any Mailer).self).name
        }
        let second = try await override(app, singleton((any Mailer).self, { FakeMailer(name: "second") })) {
            try await app.container.get((any Mailer).self).name
        }
        #expect(first == "first")
        #expect(second == "second")
        #expect(try await app.container.get((any Mailer).self).name == "smtp")
    }

    @Test func overridingAnUnregisteredTypeIsInvalid() async throws {
        let app = try await WakuFactory(MailModule()).create()
        var ran = false
        let error = try await resolutionError {
            try await override(app, object(Unregistered())) { ran = true }
        }
        #expect(error == ResolutionError(type: "Unregistered", reason: .invalidOverride))
        #expect(!ran)
    }

    // MARK: What an override builds does not outlive it

    /// A singleton that captures the mailer it was built with.
    final class Outbox: Sendable {
        let mailer: any Mailer
        init(mailer: any Mailer) { self.mailer = mailer }
    }
    /// A singleton that depends on nothing overridden.
    final class Clock: Sendable {}
    struct Plugin: Sendable { let mailer: String }
    final class PluginHost: Sendable {
        let plugins: [Plugin]
        init(plugins: [Plugin]) { self.plugins = plugins }
    }
    struct OutboxModule: Module {
        let log: EventLog
        var providers: [Provider] {
            let log = log
            return [
                singleton((any Mailer).self, SMTPMailer.init),
                singleton { (mailer: any Mailer) in
                    Finalized(Outbox(mailer: mailer)) { log.record("close outbox \(mailer.name)") }
                },
                singleton(Clock.init),
                many(Plugin.self, { (mailer: any Mailer) in Plugin(mailer: mailer.name) }, lifetime: .singleton),
                singleton(PluginHost.init),
            ]
        }
    }

    @Test func aSingletonFirstBuiltInsideAnOverrideIsDroppedWhenItEnds() async throws {
        let log = EventLog()
        let app = try await WakuFactory(OutboxModule(log: log)).create()
        var names: [String] = []
        try await override(app, object(FakeMailer(name: "fake"), as: (any Mailer).self)) {
            names.append(try await app.container.get(Outbox.self).mailer.name)
            names.append(try await app.container.get(PluginHost.self).plugins[0].mailer)
        }
        // Its cleanup ran when the override ended, not at app close.
        #expect(log.events == ["close outbox fake"])
        names.append(try await app.container.get(Outbox.self).mailer.name)
        names.append(try await app.container.get(PluginHost.self).plugins[0].mailer)
        #expect(names == ["fake", "fake", "smtp", "smtp"])  // waku: ["fake", "real"]
        try await app.close()
        #expect(log.events == ["close outbox fake", "close outbox smtp"])
    }

    @Test func aSingletonBuiltBeforeAnOverrideIsRebuiltInsideAndComesBackAfter() async throws {
        let app = try await WakuFactory(OutboxModule(log: EventLog())).create()
        let before = try await app.container.get(Outbox.self)
        let clock = try await app.container.get(Clock.self)
        let inside = try await override(app, object(FakeMailer(name: "fake"), as: (any Mailer).self)) {
            (try await app.container.get(Outbox.self), try await app.withContainer { try await $0.get(Outbox.self) })
        }
        #expect(inside.0.mailer.name == "fake")
        #expect(inside.0 === inside.1)
        let after = try await app.container.get(Outbox.self)
        #expect(before.mailer.name == "smtp")
        #expect(after === before)
        // What depends on nothing overridden is shared: the same instance inside and outside.
        let clockInside = try await override(app, object(FakeMailer(name: "fake"), as: (any Mailer).self)) {
            try await app.container.get(Clock.self)
        }
        #expect(clockInside === clock)
    }

    @Test func testsSharingOneAppDoNotSeeEachOthersFakes() async throws {
        let app = try await WakuFactory(OutboxModule(log: EventLog())).create()
        let first = try await override(app, object(FakeMailer(name: "first"), as: (any Mailer).self)) {
            try await app.container.get(Outbox.self).mailer.name
        }
        let second = try await override(app, object(FakeMailer(name: "second"), as: (any Mailer).self)) {
            try await app.container.get(Outbox.self).mailer.name
        }
        #expect([first, second] == ["first", "second"])
    }

    // MARK: makeTestApp

    struct Repository: Sendable { let source: String }
    struct UserService: Sendable { let repository: Repository }
    struct InitHook: OnModuleInit, OnModuleDestroy {
        let log: EventLog
        func onModuleInit(_ module: ModuleMetadata, app: WakuApplication) async throws { log.record("init \(module.name)") }
        func onModuleDestroy(_ module: ModuleMetadata, app: WakuApplication) async throws { log.record("destroy \(module.name)") }
    }
    /// Deep in the graph: provides Repository without exporting it, and uses it itself.
    struct StorageModule: Module {
        let log: EventLog
        var providers: [Provider] {
            [
                singleton { Repository(source: "postgres") },
                scoped { (repository: Repository) in UserService(repository: repository) },
            ]
        }
        var exports: [Export] { [.type(UserService.self)] }
        var extensions: [any ModuleExtension] { [InitHook(log: log)] }
    }
    struct FeatureModule: Module {
        let log: EventLog
        var imports: [any Module] { [StorageModule(log: log)] }
        var exports: [Export] { [.module(StorageModule.self)] }
    }
    struct ProductionRoot: Module {
        let log: EventLog
        var imports: [any Module] { [FeatureModule(log: log), MailModule()] }
    }

    @Test func makeTestAppOverridesProvidersDeepInTheGraph() async throws {
        let log = EventLog()
        let app = try await makeTestApp(
            base: ProductionRoot(log: log),
            providers: [
                singleton { Repository(source: "in-memory") },
                object(FakeMailer(name: "fake"), as: (any Mailer).self),
            ])
        #expect(app.isInitialized)
        #expect(log.events == ["init StorageModule"])
        let (source, mailer) = try await app.withContainer { container in
            (try await container.get(UserService.self).repository.source, try await container.get(Notifier.self).mailer.name)
        }
        #expect(source == "in-memory")
        #expect(mailer == "fake")
        try await app.close()
        #expect(log.events == ["init StorageModule", "destroy StorageModule"])

        // The production graph is untouched.
        let production = try await WakuFactory(ProductionRoot(log: EventLog())).create()
        #expect(try await production.withContainer { try await $0.get(UserService.self).repository.source } == "postgres")
    }

    /// Needs Repository, which StorageModule provides but does not export.
    struct AuditTrail: Sendable { let repository: Repository }
    struct Ticker: Sendable {}
    struct Stamp: Sendable { let clock: Ticker }

    @Test func anAddedProviderIsValidatedLikeAnyProvider() async throws {
        // Replaces nothing, and depends on a type the test root cannot see: a boundary violation,
        // as in a real app.
        let error = try #require(await #expect(throws: StartupError.self) {
            _ = try await makeTestApp(
                base: ProductionRoot(log: EventLog()),
                providers: [scoped { (repository: Repository) in AuditTrail(repository: repository) }])
        })
        let issue = try error.issue(of: .boundaryViolation)
        #expect(issue.subject == "AuditTrail")
        #expect(issue.message.contains("depends on Repository"), "\(issue.message)")

        // And one whose dependency nothing provides is a missing dependency.
        let missing = try #require(await #expect(throws: StartupError.self) {
            _ = try await makeTestApp(base: ProductionRoot(log: EventLog()), providers: [scoped(Stamp.init)])
        })
        #expect(missing.issues.map(\.kind) == [.missingDependency])
    }

    @Test func aRealOverrideStandsInWhereTheOriginalLived() async throws {
        // Overrides Repository deep in StorageModule and depends on `any Mailer`, which
        // MailModule does not export: an override skips the boundary checks, as documented.
        let app = try await makeTestApp(
            base: ProductionRoot(log: EventLog()),
            providers: [singleton { (mailer: any Mailer) in Repository(source: "via \(mailer.name)") }])
        #expect(try await app.withContainer { try await $0.get(UserService.self).repository.source } == "via smtp")
        try await app.close()
    }

    struct StartHook: OnModuleInit {
        let log: EventLog
        func onModuleInit(_ module: ModuleMetadata, app: WakuApplication) async throws { log.record("init \(module.name)") }
    }

    @Test func aTestAppNeedsNoBaseAndTakesModuleExtensions() async throws {
        let log = EventLog()
        let names = try await withTestApp(
            providers: [singleton(Ticker.init), scoped(Stamp.init)],
            imports: [MailModule()],
            moduleExtensions: [StartHook(log: log)]
        ) { app in
            _ = try await app.withContainer { try await $0.get(Stamp.self) }
            return app.modules.map(\.name)
        }
        #expect(names == ["MailModule", "TestRootModule"])
        #expect(log.events == ["init TestRootModule"])
        // Without a base nothing is an override: a duplicate is a duplicate, as in waku.
        let error = try #require(await #expect(throws: StartupError.self) {
            _ = try await makeTestApp(providers: [object(FakeMailer(name: "fake"), as: (any Mailer).self)], imports: [MailModule()])
        })
        #expect(error.issues.map(\.kind) == [.duplicateProvider])
    }

    @Test func withTestAppTakesAValidationMode() async throws {
        let broken = [scoped(Stamp.init)]
        await #expect(throws: StartupError.self) { try await withTestApp(providers: broken) { _ in } }
        let started = try await withTestApp(providers: broken, validation: .disabled) { app in app.isInitialized }
        #expect(started)
    }

    @Test func withTestAppAlwaysClosesTheApp() async throws {
        let log = EventLog()
        await #expect(throws: TestFailure(tag: "test body")) {
            try await withTestApp(base: ProductionRoot(log: log)) { app in
                #expect(app.isInitialized)
                throw TestFailure(tag: "test body")
            }
        }
        #expect(log.events == ["init StorageModule", "destroy StorageModule"])
    }
}
