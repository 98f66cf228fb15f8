import Testing
import Waku
import WakuTesting

// Note: "importing something that is not a module" cannot be written: `imports` is
// `[any Module]`, so the compiler rejects it; there is no run-time check to test.

@Suite("Modules")
struct ModuleTests {
    // MARK: Fixtures

    struct Greeting: Sendable, Equatable { let text: String }

    /// Declares only `providers`; every other requirement takes its default.
    struct OnlyProviders: Module {
        var providers: [Provider] { [singleton { Greeting(text: "hello") }] }
    }

    // Diamond: A imports B and C, both import D.
    struct D: Module {}
    struct B: Module { var imports: [any Module] { [D()] } }
    struct C: Module { var imports: [any Module] { [D()] } }
    struct A: Module { var imports: [any Module] { [B(), C()] } }
    /// The same diamond with the import list reversed.
    struct AReversed: Module { var imports: [any Module] { [C(), B()] } }

    // Dynamic modules.
    enum Environment: String, Sendable, Hashable { case development, production }
    struct AppConfig: Sendable, Equatable { let env: Environment; let debug: Bool }
    struct ConfigModule: Module {
        var providers: [Provider] { [object(AppConfig(env: .development, debug: true))] }
        var exports: [Export] { [.type(AppConfig.self)] }

        static func register(env: Environment) -> DynamicModule {
            DynamicModule(
                ConfigModule(), configuration: env,
                providers: [object(AppConfig(env: env, debug: env != .production))],
                exports: [.type(AppConfig.self)])
        }
    }
    struct Banner: Sendable, Equatable { let text: String }
    struct UsesConfigRoot: Module {
        let env: Environment
        var imports: [any Module] { [ConfigModule.register(env: env)] }
        var providers: [Provider] { [singleton { (config: AppConfig) in Banner(text: "running in \(config.env.rawValue)") }] }
    }
    struct FeatureOne: Module {
        let env: Environment
        var imports: [any Module] { [ConfigModule.register(env: env)] }
    }
    struct FeatureTwo: Module {
        let env: Environment
        var imports: [any Module] { [ConfigModule.register(env: env)] }
    }
    struct TwoFeaturesRoot: Module {
        let first: Environment
        let second: Environment
        var imports: [any Module] { [FeatureOne(env: first), FeatureTwo(env: second)] }
    }
    struct StaticPlusDynamicRoot: Module {
        var imports: [any Module] { [ConfigModule(), FeatureOne(env: .production)] }
    }

    // Circular imports.
    struct CycleA: Module { var imports: [any Module] { [CycleB()] } }
    struct CycleB: Module { var imports: [any Module] { [CycleA()] } }

    // Exports.
    struct Widget: Sendable {}
    struct Gadget: Sendable {}
    struct ExportsUnprovided: Module {
        var providers: [Provider] { [singleton { Widget() }] }
        var exports: [Export] { [.type(Widget.self), .type(Gadget.self)] }
    }
    struct Unimported: Module {}
    struct ReexportsUnimported: Module {
        var exports: [Export] { [.module(Unimported.self)] }
    }
    struct LeafService: Sendable { let name: String }
    struct Leaf: Module {
        var providers: [Provider] { [singleton { LeafService(name: "leaf") }] }
        var exports: [Export] { [.type(LeafService.self)] }
    }
    struct Middle: Module {
        var imports: [any Module] { [Leaf()] }
        var exports: [Export] { [.type(LeafService.self)] }
    }
    struct Consumer: Sendable { let leaf: LeafService }
    struct ReexportTypeRoot: Module {
        var imports: [any Module] { [Middle()] }
        var providers: [Provider] { [singleton { (leaf: LeafService) in Consumer(leaf: leaf) }] }
    }

    // Duplicates and multi-bindings.
    struct Shared: Sendable {}
    struct FirstOwner: Module { var providers: [Provider] { [singleton { Shared() }] } }
    struct SecondOwner: Module { var providers: [Provider] { [singleton { Shared() }] } }
    struct DuplicateRoot: Module { var imports: [any Module] { [FirstOwner(), SecondOwner()] } }

    protocol Plugin: Sendable { var name: String { get } }
    struct NamedPlugin: Plugin { let name: String }
    struct FirstContributor: Module {
        var providers: [Provider] { [many((any Plugin).self, { NamedPlugin(name: "first") }, lifetime: .singleton)] }
    }
    struct SecondContributor: Module {
        var providers: [Provider] { [many((any Plugin).self, { NamedPlugin(name: "second") }, lifetime: .singleton)] }
    }
    struct ContributorsRoot: Module { var imports: [any Module] { [FirstContributor(), SecondContributor()] } }

    // MARK: Defaults

    @Test func moduleDeclaringOnlyProvidersWorks() async throws {
        let module = OnlyProviders()
        #expect(module.imports.isEmpty)
        #expect(module.exports.isEmpty)
        #expect(module.extensions.isEmpty)
        #expect(module.isGlobal == false)
        #expect(module.moduleIdentity == ModuleIdentity(OnlyProviders.self))

        let app = try await WakuFactory(module).create()
        #expect(app.modules.map(\.name) == ["OnlyProviders"])
        #expect(try await app.container.get(Greeting.self) == Greeting(text: "hello"))
    }

    // MARK: Collection order

    @Test func modulesAreCollectedInPostOrderEachOnce() async throws {
        let app = try await WakuFactory(A()).create()
        #expect(app.modules.map(\.name) == ["D", "B", "C", "A"])
    }

    @Test func collectionOrderFollowsImportListOrder() async throws {
        let app = try await WakuFactory(AReversed()).create()
        #expect(app.modules.map(\.name) == ["D", "C", "B", "AReversed"])
    }

    @Test func rootModuleIsMarkedGlobal() async throws {
        let app = try await WakuFactory(A()).create()
        #expect(app.modules.map(\.isGlobal) == [false, false, false, true])
    }

    // MARK: Dynamic modules

    @Test func dynamicModuleAddsProvidersBuiltFromItsConfiguration() async throws {
        let production = try await WakuFactory(UsesConfigRoot(env: .production)).create()
        #expect(try await production.container.get(AppConfig.self) == AppConfig(env: .production, debug: false))
        #expect(try await production.container.get(Banner.self) == Banner(text: "running in production"))
        #expect(production.modules.map(\.name) == ["ConfigModule (dynamic)", "UsesConfigRoot"])

        let development = try await WakuFactory(UsesConfigRoot(env: .development)).create()
        #expect(try await development.container.get(Banner.self) == Banner(text: "running in development"))
    }

    @Test func sameDynamicModuleImportedTwiceIsOneModule() async throws {
        let app = try await WakuFactory(TwoFeaturesRoot(first: .production, second: .production)).create()
        #expect(app.modules.map(\.name) == ["ConfigModule (dynamic)", "FeatureOne", "FeatureTwo", "TwoFeaturesRoot"])
        // Provided once: no duplicate-provider error, and the value is the configured one.
        #expect(try await app.container.get(AppConfig.self) == AppConfig(env: .production, debug: false))
    }

    @Test func dynamicModuleWithTwoConfigurationsConflicts() async throws {
        let error = try await startupError(WakuFactory(TwoFeaturesRoot(first: .production, second: .development)))
        let issue = try error.issue(of: .dynamicModuleConflict)
        #expect(issue.message.contains("ConfigModule"))
        #expect(issue.message.contains("production"))
        #expect(issue.message.contains("development"))
        #expect(issue.modules.contains("ConfigModule"))
        #expect(issue.modules.contains("FeatureTwo"))
    }

    @Test func dynamicModuleNextToItsStaticParentConflicts() async throws {
        let error = try await startupError(WakuFactory(StaticPlusDynamicRoot()))
        let issue = try error.issue(of: .dynamicModuleConflict)
        #expect(issue.message.contains("ConfigModule"))
        #expect(issue.modules.contains("ConfigModule"))
        #expect(issue.modules.contains("FeatureOne"))
    }

    // MARK: Dynamic modules inherit their parent

    struct Clock: Sendable { let source: String }
    struct Secrets: Sendable {}
    struct AuditLog: Sendable {}
    struct Salute: Sendable { let text: String }
    struct ClockModule: Module {
        var providers: [Provider] { [singleton { Clock(source: "system") }] }
        var exports: [Export] { [.type(Clock.self)] }
    }
    /// Adds a provider to whatever module it configures, counting its calls.
    struct AddsAuditLog: OnModuleConfigure {
        let log: EventLog
        func onModuleConfigure(_ metadata: inout ModuleMetadata) throws {
            log.record("configure \(metadata.name) with \(metadata.providers.count) providers")
            metadata.providers.append(singleton { AuditLog() })
            metadata.exports.append(.type(AuditLog.self))
        }
    }
    struct InitHook: OnModuleInit {
        let log: EventLog
        func onModuleInit(_ module: ModuleMetadata, app: WakuApplication) async throws { log.record("init \(module.name)") }
    }
    /// A static module with a provider, an import, an export, a configure hook and an init hook.
    struct GreetingModule: Module {
        let log: EventLog
        var providers: [Provider] { [singleton { Secrets() }, singleton { (clock: Clock) in Salute(text: "hello from \(clock.source)") }] }
        var imports: [any Module] { [ClockModule()] }
        var exports: [Export] { [.type(Salute.self)] }
        var extensions: [any ModuleExtension] { [AddsAuditLog(log: log), InitHook(log: log)] }

        static func register(log: EventLog, greeting: String?) -> DynamicModule {
            DynamicModule(
                GreetingModule(log: log), configuration: greeting,
                // A provider of a type the parent provides replaces the parent's.
                providers: greeting.map { text in [object(Salute(text: text))] } ?? [object(Banner(text: "configured"))],
                exports: greeting == nil ? [.type(Banner.self)] : [])
        }
    }
    struct Consumers: Sendable { let greeting: Salute; let audit: AuditLog; let banner: Banner? }
    struct GreetingRoot: Module {
        let log: EventLog
        let greeting: String?
        var imports: [any Module] { [GreetingModule.register(log: log, greeting: greeting)] }
    }

    @Test func aDynamicModuleIsItsParentPlusItsOwnDeclarations() async throws {
        let log = EventLog()
        let app = try await WakuFactory(GreetingRoot(log: log, greeting: nil)).create()
        // The parent's import came along, before the dynamic module.
        #expect(app.modules.map(\.name) == ["ClockModule", "GreetingModule (dynamic)", "GreetingRoot"])
        // The parent's providers and exports (Salute), its configure hook's addition and
        // export (AuditLog), and the dynamic module's own (Banner) are all there, and visible.
        #expect(try await app.container.get(Salute.self).text == "hello from system")
        _ = try await app.container.get(AuditLog.self)
        #expect(try await app.container.get(Banner.self) == Banner(text: "configured"))
        _ = try await app.container.get(Secrets.self)
        // The parent's configure hook ran once, on the combined declarations, and its init hook
        // runs for the dynamic module.
        try await app.run { _ in }
        #expect(log.events == ["configure GreetingModule (dynamic) with 3 providers", "init GreetingModule (dynamic)"])
        #expect(app.modules[1].exports.map(\.description) == ["Salute", "Banner", "AuditLog"])
    }

    @Test func aDynamicProviderOfAParentsTypeReplacesTheParents() async throws {
        let app = try await WakuFactory(GreetingRoot(log: EventLog(), greeting: "configured hello")).create()
        #expect(try await app.container.get(Salute.self).text == "configured hello")
        // The parent's other providers stay.
        _ = try await app.container.get(Secrets.self)
        #expect(app.modules[1].providers.count == 3, "\(app.modules[1].providers)")
    }

    // MARK: Circular imports

    @Test func circularImportIsReportedWithTheCycle() async throws {
        let error = try await startupError(WakuFactory(CycleA()))
        let issue = try error.issue(of: .circularImport)
        #expect(issue.message.contains("CycleA -> CycleB -> CycleA"), "\(issue.message)")
        #expect(Set(issue.modules) == ["CycleA", "CycleB"])
        #expect(!issue.fix.isEmpty)
    }

    // MARK: Exports

    @Test func exportingAnUnprovidedTypeIsInvalid() async throws {
        let error = try await startupError(WakuFactory(ExportsUnprovided()))
        let issue = try error.issue(of: .invalidExport)
        #expect(issue.message.contains("ExportsUnprovided"))
        #expect(issue.message.contains("Gadget"))
        #expect(!issue.message.contains("Widget"))  // the provided export is fine
        #expect(issue.modules == ["ExportsUnprovided"])
        #expect(issue.subject == "Gadget")
    }

    @Test func reexportingAModuleThatIsNotImportedIsInvalid() async throws {
        let error = try await startupError(WakuFactory(ReexportsUnimported()))
        let issue = try error.issue(of: .invalidExport)
        #expect(issue.message.contains("ReexportsUnimported"))
        #expect(issue.message.contains("Unimported"))
        #expect(issue.modules.contains("ReexportsUnimported"))
        #expect(issue.modules.contains("Unimported"))
    }

    @Test func reexportingATypeThatAnImportExportsIsAllowed() async throws {
        let app = try await WakuFactory(ReexportTypeRoot()).create()
        #expect(try await app.container.get(Consumer.self).leaf.name == "leaf")
    }

    // MARK: Duplicates

    @Test func sameTypeFromTwoModulesIsADuplicate() async throws {
        let error = try await startupError(WakuFactory(DuplicateRoot()))
        let issue = try error.issue(of: .duplicateProvider)
        #expect(issue.modules == ["FirstOwner", "SecondOwner"])
        #expect(issue.message.contains("FirstOwner"))
        #expect(issue.message.contains("SecondOwner"))
        #expect(issue.subject == "Shared")
    }

    @Test func manyContributionsFromTwoModulesAreNotDuplicates() async throws {
        let app = try await WakuFactory(ContributorsRoot()).create()
        let plugins = try await app.container.get([any Plugin].self)
        #expect(plugins.map(\.name) == ["first", "second"])
    }
}
