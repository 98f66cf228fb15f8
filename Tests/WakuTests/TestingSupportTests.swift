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
