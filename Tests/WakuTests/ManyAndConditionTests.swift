import Testing
import Waku
import WakuTesting

@Suite("Multi-bindings and conditions")
struct ManyAndConditionTests {
    // MARK: many

    protocol Plugin: Sendable { var name: String { get } }
    struct NamedPlugin: Plugin { let name: String }
    struct PluginConfig: Sendable { let prefix: String }

    struct CorePlugins: Module {
        var providers: [Provider] {
            [
                many((any Plugin).self, { NamedPlugin(name: "core-a") }),
                many((any Plugin).self, { NamedPlugin(name: "core-disabled") }, when: .flag(false)),
                many((any Plugin).self, { NamedPlugin(name: "core-b") }),
            ]
        }
    }
    struct ExtraPlugins: Module {
        var providers: [Provider] {
            [object(PluginConfig(prefix: "extra"))]
                + many(
                    (any Plugin).self,
                    Factory { (config: PluginConfig) in NamedPlugin(name: "\(config.prefix)-1") },
                    Factory { (config: PluginConfig) in NamedPlugin(name: "\(config.prefix)-2") })
        }
    }
    struct PluginRoot: Module {
        /// Start-up order is Extra, Core, root: ExtraPlugins is imported first.
        var imports: [any Module] { [ExtraPlugins(), CorePlugins()] }
        var providers: [Provider] { [many((any Plugin).self, { NamedPlugin(name: "root") })] }
    }
    struct PluginHost: Sendable { let names: [String] }
    struct PluginHostRoot: Module {
        var imports: [any Module] { [CorePlugins()] }
        var providers: [Provider] {
            [scoped { (plugins: [any Plugin]) in PluginHost(names: plugins.map(\.name)) }]
        }
    }

    @Test func manyResolvesEveryActiveContributionInRegistrationOrder() async throws {
        let app = try await WakuFactory(PluginRoot()).create()
        #expect(app.modules.map(\.name) == ["ExtraPlugins", "CorePlugins", "PluginRoot"])
        let names = try await app.withContainer { try await $0.get([any Plugin].self).map(\.name) }
        #expect(names == ["extra-1", "extra-2", "core-a", "core-b", "root"])
    }

    @Test func manyCanBeInjected() async throws {
        let app = try await WakuFactory(PluginHostRoot()).create()
        let host = try await app.withContainer { try await $0.get(PluginHost.self) }
        #expect(host.names == ["core-a", "core-b"])
    }

    // MARK: An empty multi-binding

    /// Declares the collection and contributes nothing: `[any Plugin]` resolves to `[]`.
    struct DeclaresPlugins: Module {
        var providers: [Provider] {
            [many((any Plugin).self), scoped { (plugins: [any Plugin]) in PluginHost(names: plugins.map(\.name)) }]
        }
    }
    /// Declares it too, next to a module that contributes: the declaration adds nothing.
    struct DeclaresAndImportsPlugins: Module {
        var imports: [any Module] { [CorePlugins()] }
        var providers: [Provider] { [many((any Plugin).self)] }
    }
    struct InjectsUndeclaredPlugins: Module {
        var providers: [Provider] { [scoped { (plugins: [any Plugin]) in PluginHost(names: plugins.map(\.name)) }] }
    }

    @Test func aDeclaredCollectionWithoutContributionsIsEmpty() async throws {
        let app = try await WakuFactory(DeclaresPlugins()).create()
        let (direct, injected) = try await app.withContainer { container in
            (try await container.get([any Plugin].self).map(\.name), try await container.get(PluginHost.self).names)
        }
        #expect(direct.isEmpty)
        #expect(injected.isEmpty)
        #expect(many((any Plugin).self).description == "many Array<Plugin> (declaration)")
    }

    @Test func aDeclarationAddsNothingToContributions() async throws {
        let app = try await WakuFactory(DeclaresAndImportsPlugins()).create()
        #expect(try await app.withContainer { try await $0.get([any Plugin].self).map(\.name) } == ["core-a", "core-b"])
    }

    @Test func anUndeclaredCollectionIsMissingAndTheFixSaysHowToDeclareIt() async throws {
        let error = try await startupError(WakuFactory(InjectsUndeclaredPlugins()))
        let issue = try error.issue(of: .missingDependency)
        #expect(issue.fix.contains("many((any Plugin).self)"), "\(issue.fix)")
        #expect(!issue.fix.contains("Array<Plugin>.init"), "\(issue.fix)")
    }

    /// Every contribution is switched off: the collection is empty, which is not an error
    /// (contributions are not alternatives that need one winner).
    struct AllPluginsDisabled: Module {
        var providers: [Provider] {
            [
                many((any Plugin).self, { NamedPlugin(name: "off-1") }, when: .flag(false)),
                many((any Plugin).self, { NamedPlugin(name: "off-2") }, when: .flag(false)),
                scoped { (plugins: [any Plugin]) in PluginHost(names: plugins.map(\.name)) },
            ]
        }
    }

    @Test func manyWithEveryContributionInactiveIsEmpty() async throws {
        let app = try await WakuFactory(AllPluginsDisabled()).create()
        let (direct, injected) = try await app.withContainer { container in
            (try await container.get([any Plugin].self).map(\.name), try await container.get(PluginHost.self).names)
        }
        #expect(direct.isEmpty)
        #expect(injected.isEmpty)
    }

    // MARK: when:

    enum Environment: Sendable, Equatable { case development, production }
    protocol Cache: Sendable { var kind: String { get } }
    struct RedisCache: Cache { var kind: String { "redis" } }
    struct MemoryCache: Cache { var kind: String { "memory" } }

    struct CacheModule: Module {
        var providers: [Provider] {
            [
                singleton((any Cache).self, RedisCache.init, when: .context(Environment.self) { $0 == .production }),
                singleton((any Cache).self, MemoryCache.init, when: .context(Environment.self) { $0 != .production }),
            ]
        }
    }
    struct BothActiveModule: Module {
        var providers: [Provider] {
            [
                singleton((any Cache).self, RedisCache.init, when: .flag(true)),
                singleton((any Cache).self, MemoryCache.init, when: .flag(true)),
            ]
        }
    }

    @Test(arguments: [(Environment.production, "redis"), (.development, "memory")])
    func conditionsChooseBetweenAlternatives(environment: Environment, expected: String) async throws {
        let app = try await WakuFactory(CacheModule(), context: ContextValues(environment)).create()
        #expect(try await app.container.get((any Cache).self).kind == expected)
    }

    @Test func noActiveAlternativeIsAnError() async throws {
        // No Environment in the context: both `.context` conditions are false.
        let error = try await startupError(WakuFactory(CacheModule()))
        let issue = try error.issue(of: .conditionalProviders)
        // The subject is the interface's key name (whatever spelling TypeKey uses for existentials).
        #expect(issue.subject == TypeKey((any Cache).self).name)
        #expect(issue.subject?.contains("Cache") == true)
        #expect(issue.modules == ["CacheModule"])
        #expect(issue.message.contains("all 2 alternatives"), "\(issue.message)")
        #expect(error.issues.count == 1)
    }

    @Test func twoActiveAlternativesAreAnError() async throws {
        let error = try await startupError(WakuFactory(BothActiveModule()))
        let issue = try error.issue(of: .conditionalProviders)
        #expect(issue.subject == TypeKey((any Cache).self).name)
        #expect(issue.modules == ["BothActiveModule"])
        #expect(issue.message.contains("active at once"), "\(issue.message)")
        // Conditional alternatives that clash are not reported as plain duplicates too.
        #expect(error.issues.count == 1)
    }

    struct Mailer: Sendable { let name: String }
    struct Queue: Sendable { let name: String }
    /// Three types, each with two alternatives whose conditions are all false, declared in the
    /// order Queue, Cache, Mailer.
    struct NothingActiveModule: Module {
        var providers: [Provider] {
            [
                singleton({ Queue(name: "sqs") }, when: .flag(false)),
                singleton((any Cache).self, RedisCache.init, when: .flag(false)),
                singleton({ Mailer(name: "smtp") }, when: .flag(false)),
                singleton({ Queue(name: "kafka") }, when: .flag(false)),
                singleton((any Cache).self, MemoryCache.init, when: .flag(false)),
                singleton({ Mailer(name: "ses") }, when: .flag(false)),
            ]
        }
    }

    @Test func inactiveAlternativesAreReportedInDeclarationOrder() async throws {
        // Every problem is reported, and in a stable order: the order the types were first declared.
        let error = try await startupError(WakuFactory(NothingActiveModule()))
        let subjects = error.issues.filter { $0.kind == .conditionalProviders }.map(\.subject)
        #expect(subjects == [TypeKey(Queue.self).name, TypeKey((any Cache).self).name, TypeKey(Mailer.self).name])
        #expect(error.issues.count == 3)
    }
}
