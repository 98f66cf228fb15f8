import Testing
@testable import Waku
import WakuTesting

/// Edge cases of provider selection, validation and compilation: which provider is chosen,
/// which issues are reported (text, modules, subject, fix, order), and how slots and cache
/// indices are laid out.
@Suite("Graph compiler edge cases")
struct GraphCompilerEdgeCaseTests {
    // MARK: Shared fixtures

    protocol Mailer: Sendable { var name: String { get } }
    struct NamedMailer: Mailer { let name: String }
    struct Secret: Sendable { let value: String }
    struct Notifier: Sendable { let mailer: String }
    struct Peek: Sendable { let value: String }

    protocol Plugin: Sendable { var name: String { get } }
    struct NamedPlugin: Plugin { let name: String }
    struct PluginNames: Sendable { let names: [String] }

    struct Clock: Sendable { let source: String }
    struct ClockReport: Sendable { let text: String }
    struct Ghost: Sendable {}

    static var mailerName: String { TypeKey((any Mailer).self).name }
    static var pluginName: String { TypeKey((any Plugin).self).name }
    static var pluginsName: String { TypeKey([any Plugin].self).name }

    // MARK: Overrides and duplicates

    /// Provides `any Mailer` twice: a duplicate unless an override replaces it.
    struct DuplicatedMailerModule: Module {
        var providers: [Provider] {
            [
                singleton((any Mailer).self, { NamedMailer(name: "first") }),
                scoped { (mailer: any Mailer) in Notifier(mailer: mailer.name) },
                singleton((any Mailer).self, { NamedMailer(name: "second") }),
            ]
        }
        var exports: [Export] { [.type((any Mailer).self), .type(Notifier.self)] }
    }
    /// A clean mail module with a provider it does not export.
    struct MailModule: Module {
        var providers: [Provider] {
            [
                singleton((any Mailer).self, { NamedMailer(name: "smtp") }),
                object(Secret(value: "hidden")),
                scoped { (mailer: any Mailer) in Notifier(mailer: mailer.name) },
            ]
        }
        var exports: [Export] { [.type((any Mailer).self), .type(Notifier.self)] }
    }
    struct PeekingRoot: Module {
        var imports: [any Module] { [MailModule()] }
        var providers: [Provider] { [singleton { (secret: Secret) in Peek(value: secret.value) }] }
    }
    /// `any Mailer` only has alternatives whose conditions are all false.
    struct NoActiveMailerModule: Module {
        var providers: [Provider] {
            [
                singleton((any Mailer).self, { NamedMailer(name: "a") }, when: .flag(false)),
                singleton((any Mailer).self, { NamedMailer(name: "b") }, when: .flag(false)),
            ]
        }
        var exports: [Export] { [.type((any Mailer).self)] }
    }

    @Test func duplicateInOneModuleIsReportedWithoutAnOverride() async throws {
        let error = try await startupError(WakuFactory(DuplicatedMailerModule()))
        let issue = try error.issue(of: .duplicateProvider)
        #expect(issue.subject == Self.mailerName)
        #expect(issue.modules == ["DuplicatedMailerModule"])
        #expect(issue.message.contains("twice in module DuplicatedMailerModule"), "\(issue.message)")
        // The module is named once.
        #expect(issue.message == "\(Self.mailerName) is provided twice in module DuplicatedMailerModule "
            + "(singleton \(Self.mailerName), singleton \(Self.mailerName)).")
        #expect(error.issues.count == 1)
    }

    @Test func overrideReplacesADuplicatedProviderEverywhere() async throws {
        let app = try await makeTestApp(
            base: DuplicatedMailerModule(), providers: [object(NamedMailer(name: "fake"), as: (any Mailer).self)])
        #expect(try await app.container.get((any Mailer).self).name == "fake")
        // The dependent's slot points at the override's slot, not at either duplicate.
        #expect(try await app.withContainer { try await $0.get(Notifier.self).mailer } == "fake")
        try await app.close()
    }

    @Test func theLastOfSeveralOverridesWins() async throws {
        let app = try await makeTestApp(
            base: DuplicatedMailerModule(),
            providers: [
                object(NamedMailer(name: "override-1"), as: (any Mailer).self),
                singleton((any Mailer).self, { NamedMailer(name: "override-2") }),
            ])
        #expect(try await app.container.get((any Mailer).self).name == "override-2")
        try await app.close()
    }

    @Test func overrideMayDependOnTypesItsModuleCannotSee() async throws {
        // A plain provider in the root that reads MailModule's unexported Secret is a violation...
        let error = try await startupError(WakuFactory(PeekingRoot()))
        let issue = try error.issue(of: .boundaryViolation)
        #expect(issue.modules == ["PeekingRoot", "MailModule"])
        #expect(issue.subject == "Peek")
        #expect(issue.fix == "Export Secret from MailModule (`exports: [.type(Secret.self)]`) and import MailModule into PeekingRoot.")
        #expect(error.issues.count == 1)
        // ...but a test override standing in for a provider is exempt from boundaries.
        let app = try await makeTestApp(
            base: MailModule(),
            providers: [singleton((any Mailer).self) { (secret: Secret) in NamedMailer(name: "uses \(secret.value)") }])
        #expect(try await app.container.get((any Mailer).self).name == "uses hidden")
        try await app.close()
    }

    @Test func overrideActivatesAKeyWhoseAlternativesAreAllInactive() async throws {
        let error = try #require(await #expect(throws: StartupError.self) {
            _ = try await makeTestApp(base: NoActiveMailerModule())
        })
        let issue = try error.issue(of: .conditionalProviders)
        #expect(issue.subject == Self.mailerName)
        #expect(issue.modules == ["NoActiveMailerModule"])
        let app = try await makeTestApp(
            base: NoActiveMailerModule(), providers: [object(NamedMailer(name: "fake"), as: (any Mailer).self)])
        #expect(try await app.container.get((any Mailer).self).name == "fake")
        try await app.close()
    }

    struct Zulu: Sendable {}
    struct Yankee: Sendable {}
    struct TwoDuplicatesModule: Module {
        var providers: [Provider] {
            [singleton { Zulu() }, singleton { Yankee() }, singleton { Yankee() }, singleton { Zulu() }]
        }
    }

    @Test func duplicatesAreReportedInTheOrderTheirTypesWereFirstProvided() async throws {
        let error = try await startupError(WakuFactory(TwoDuplicatesModule()))
        #expect(error.issues.map(\.kind) == [.duplicateProvider, .duplicateProvider])
        #expect(error.issues.map(\.subject) == ["Zulu", "Yankee"])
        // Duplicates make the graph ambiguous: the opt-out mode reports them too.
        let disabled = try #require(await #expect(throws: StartupError.self) {
            _ = try await WakuFactory(TwoDuplicatesModule(), validation: .disabled).create()
        })
        #expect(disabled.issues.map(\.subject) == ["Zulu", "Yankee"])
    }

    // MARK: A key provided both plainly and by many(…)

    struct Unprovided: Sendable {}
    /// `[any Plugin]` has a provider of its own and a contribution: ambiguous.
    struct ShadowedCollectionModule: Module {
        var providers: [Provider] {
            [
                many((any Plugin).self, { NamedPlugin(name: "contributed") }, lifetime: .singleton),
                singleton { () -> [any Plugin] in [NamedPlugin(name: "plain")] },
                scoped { (plugins: [any Plugin]) in PluginNames(names: plugins.map(\.name)) },
            ]
        }
    }
    /// The same across modules, with a contribution whose dependency nobody provides.
    struct ContributingModule: Module {
        var providers: [Provider] {
            [many((any Plugin).self, { (_: Unprovided) in NamedPlugin(name: "broken") })]
        }
    }
    struct PlainCollectionRoot: Module {
        var imports: [any Module] { [ContributingModule()] }
        var providers: [Provider] { [singleton { () -> [any Plugin] in [NamedPlugin(name: "plain")] }] }
    }
    /// Only contributions, overridden as a whole by a test.
    struct ContributionsOnlyModule: Module {
        var providers: [Provider] {
            [
                many((any Plugin).self, { NamedPlugin(name: "contributed") }),
                scoped { (plugins: [any Plugin]) in PluginNames(names: plugins.map(\.name)) },
            ]
        }
    }

    @Test func aProviderBesideContributionsOfOneCollectionIsAnError() async throws {
        // The provider would be resolved and the contributions never: nothing may be lost silently.
        let error = try await startupError(WakuFactory(ShadowedCollectionModule()))
        let issue = try error.issue(of: .duplicateProvider)
        #expect(issue.subject == Self.pluginsName)
        #expect(issue.modules == ["ShadowedCollectionModule"])
        #expect(issue.message.contains("has a provider (singleton \(Self.pluginsName) in ShadowedCollectionModule) and 1 `many(…)` contribution(s)"), "\(issue.message)")
        #expect(issue.fix.contains("not both"), "\(issue.fix)")
        #expect(error.issues.count == 1)
    }

    @Test func theMixedCollectionErrorNamesEveryModuleAndOtherProblemsStillShow() async throws {
        let error = try await startupError(WakuFactory(PlainCollectionRoot()))
        let mixed = try error.issue(of: .duplicateProvider)
        #expect(mixed.modules == ["PlainCollectionRoot", "ContributingModule"])
        // The contribution is still validated on its own.
        let missing = try error.issue(of: .missingDependency)
        #expect(missing.subject == Self.pluginName)
        #expect(missing.message.contains("depends on Unprovided, which no module provides"), "\(missing.message)")
        #expect(error.issues.count == 2)
    }

    @Test func aTestOverrideMayReplaceAWholeCollection() async throws {
        let app = try await makeTestApp(
            base: ContributionsOnlyModule(),
            providers: [singleton { () -> [any Plugin] in [NamedPlugin(name: "fake")] }])
        let (direct, injected) = try await app.withContainer { container in
            (try await container.get([any Plugin].self).map(\.name), try await container.get(PluginNames.self).names)
        }
        #expect(direct == ["fake"])
        #expect(injected == ["fake"])
    }

    // MARK: Inactive-only collections

    struct InactivePlugins: Module {
        var providers: [Provider] {
            [
                many((any Plugin).self, { NamedPlugin(name: "off-1") }, when: .flag(false)),
                many((any Plugin).self, { NamedPlugin(name: "off-2") }, when: .flag(false)),
            ]
        }
        // Valid although nothing is active: the module declares the collection.
        var exports: [Export] { [.type([any Plugin].self)] }
    }
    /// Does not import InactivePlugins: collections are not subject to boundaries.
    struct InactivePluginsConsumer: Module {
        var providers: [Provider] {
            [singleton { (plugins: [any Plugin]) in PluginNames(names: plugins.map(\.name)) }]
        }
    }
    struct InactivePluginsRoot: Module {
        var imports: [any Module] { [InactivePluginsConsumer(), InactivePlugins()] }
    }

    @Test func inactiveOnlyCollectionResolvesEmptyWithoutIssues() async throws {
        // Strict: no conditional issue (contributions are not alternatives), no captive issue
        // (inactive scoped contributions do not count), no boundary issue, no invalid export.
        let app = try await WakuFactory(InactivePluginsRoot()).create()
        #expect(try await app.container.get(PluginNames.self).names.isEmpty)
        #expect(try await app.withContainer { try await $0.get([any Plugin].self) }.isEmpty)
        #expect(app.container.contains([any Plugin].self))
    }

    // MARK: Exports

    struct ClockA: Module {
        var providers: [Provider] { [singleton { Clock(source: "A") }] }
        var exports: [Export] { [.type(Clock.self)] }
    }
    struct ClockB: Module {
        var providers: [Provider] { [singleton { Clock(source: "B") }] }
        var exports: [Export] { [.type(Clock.self)] }
    }
    struct BothClocksRoot: Module {
        var imports: [any Module] { [ClockA(), ClockB()] }
        var providers: [Provider] { [scoped { (clock: Clock) in ClockReport(text: clock.source) }] }
    }
    /// Re-exports ClockA's Clock as a type.
    struct ClockRelay: Module {
        var imports: [any Module] { [ClockA()] }
        var exports: [Export] { [.type(Clock.self)] }
    }
    struct RelayAndOwnerRoot: Module {
        var imports: [any Module] { [ClockRelay(), ClockA()] }
        var providers: [Provider] { [scoped { (clock: Clock) in ClockReport(text: "both \(clock.source)") }] }
    }
    struct RelayOnlyRoot: Module {
        var imports: [any Module] { [ClockRelay()] }
        var providers: [Provider] { [scoped { (clock: Clock) in ClockReport(text: "relay \(clock.source)") }] }
    }
    struct BadExports: Module {
        var exports: [Export] { [.type(Ghost.self), .module(ClockA.self), .type(Clock.self)] }
    }
    struct BadExportsRoot: Module {
        var imports: [any Module] { [ClockA(), BadExports()] }
    }

    @Test func typeExportedByTwoImportedModulesIsOneDuplicateAndVisible() async throws {
        let error = try await startupError(WakuFactory(BothClocksRoot()))
        let issue = try error.issue(of: .duplicateProvider)
        #expect(issue.subject == "Clock")
        #expect(issue.modules == ["ClockA", "ClockB"])
        #expect(issue.message == "Clock is provided by several modules: ClockA and ClockB (singleton Clock in ClockA, singleton Clock in ClockB).")
        #expect(issue.fix == "Keep one provider of Clock and export it from its module, or use `many(…)` for a multi-binding.")
        // Not also a boundary violation: both exporters are imported.
        #expect(error.issues.count == 1, "\(error)")
    }

    @Test func typeExportedByOwnerAndByARelayIsVisibleThroughEither() async throws {
        let both = try await WakuFactory(RelayAndOwnerRoot()).create()
        #expect(try await both.withContainer { try await $0.get(ClockReport.self).text } == "both A")
        let relay = try await WakuFactory(RelayOnlyRoot()).create()
        #expect(try await relay.withContainer { try await $0.get(ClockReport.self).text } == "relay A")
    }

    @Test func invalidExportsAreReportedInDeclarationOrder() async throws {
        let error = try await startupError(WakuFactory(BadExportsRoot()))
        #expect(error.issues.map(\.kind) == [.invalidExport, .invalidExport, .invalidExport], "\(error)")
        #expect(error.issues.map(\.message) == [
            "Module BadExports exports Ghost, which it neither provides nor re-exports from an import.",
            "Module BadExports re-exports module ClockA, which it does not import.",
            // Importing ClockA as a sibling does not make Clock BadExports' to export.
            "Module BadExports exports Clock, which it neither provides nor re-exports from an import.",
        ])
        #expect(error.issues.map(\.modules) == [["BadExports"], ["BadExports", "ClockA"], ["BadExports"]])
        #expect(error.issues.map(\.subject) == ["Ghost", "ClockA", "Clock"])
        #expect(error.issues[1].fix == "Add ClockA to BadExports's imports, or remove the export.")
    }

    // MARK: Re-export chain through a global module

    struct ChainLeaf: Module {
        var providers: [Provider] { [singleton { Clock(source: "leaf") }] }
        var exports: [Export] { [.type(Clock.self)] }
    }
    struct ChainMiddle: Module {
        var imports: [any Module] { [ChainLeaf()] }
        var exports: [Export] { [.module(ChainLeaf.self)] }
    }
    struct GlobalHub: Module {
        var isGlobal: Bool { true }
        var imports: [any Module] { [ChainMiddle()] }
        var exports: [Export] { [.module(ChainMiddle.self)] }
    }
    struct SilentGlobalHub: Module {
        var isGlobal: Bool { true }
        var imports: [any Module] { [ChainMiddle()] }
    }
    /// Imports nothing; collected before the global hub.
    struct FarConsumer: Module {
        var providers: [Provider] { [scoped { (clock: Clock) in ClockReport(text: "far \(clock.source)") }] }
    }
    struct GlobalChainRoot: Module {
        var imports: [any Module] { [FarConsumer(), GlobalHub()] }
    }
    struct SilentGlobalChainRoot: Module {
        var imports: [any Module] { [FarConsumer(), SilentGlobalHub()] }
    }

    @Test func reexportChainThroughAGlobalModuleIsVisibleEverywhere() async throws {
        let app = try await WakuFactory(GlobalChainRoot()).create()
        #expect(app.modules.map(\.name) == ["FarConsumer", "ChainLeaf", "ChainMiddle", "GlobalHub", "GlobalChainRoot"])
        #expect(try await app.withContainer { try await $0.get(ClockReport.self).text } == "far leaf")
    }

    @Test func globalModuleWithoutTheReexportLeaksNothing() async throws {
        let error = try await startupError(WakuFactory(SilentGlobalChainRoot()))
        let issue = try error.issue(of: .boundaryViolation)
        #expect(issue.modules == ["FarConsumer", "ChainLeaf"])
        #expect(issue.subject == "ClockReport")
        #expect(issue.message == "scoped ClockReport in module FarConsumer depends on Clock, which module ChainLeaf provides but does not make visible to FarConsumer.")
        // ChainLeaf does export Clock: the fix is an import.
        #expect(issue.fix == "Import ChainLeaf into FarConsumer (imports are not transitive).")
        #expect(error.issues.count == 1)
    }

    // MARK: Missing dependencies

    struct PathTop: Sendable {}
    struct PathSide: Sendable {}
    struct PathMiddle: Sendable {}
    struct PathLow: Sendable {}
    struct PathMissing: Sendable {}
    struct LongPathModule: Module {
        var providers: [Provider] {
            [
                scoped { (_: PathMiddle) in PathTop() },
                scoped { (_: PathMiddle) in PathSide() },
                scoped { (_: PathLow) in PathMiddle() },
                scoped { (_: PathMissing) in PathLow() },
            ]
        }
    }
    struct SideFirstPathModule: Module {
        var providers: [Provider] {
            [
                scoped { (_: PathMissing) in PathLow() },
                scoped { (_: PathMiddle) in PathSide() },
                scoped { (_: PathLow) in PathMiddle() },
                scoped { (_: PathMiddle) in PathTop() },
            ]
        }
    }
    struct InactiveOnlyDependencyModule: Module {
        var providers: [Provider] {
            [
                scoped { (_: PathMiddle) in PathTop() },
                scoped { (_: PathMissing) in PathMiddle() },
                singleton({ PathMissing() }, when: .flag(false)),
            ]
        }
    }
    struct CycleA: Sendable {}
    struct CycleB: Sendable {}
    struct MissingInCycleModule: Module {
        var providers: [Provider] {
            [
                singleton { (_: CycleB, _: PathMissing) in CycleA() },
                singleton { (_: CycleA) in CycleB() },
            ]
        }
    }

    @Test func missingDependencyPathFollowsTheFirstDependentThroughSeveralProviders() async throws {
        let error = try await startupError(WakuFactory(LongPathModule()))
        let issue = try error.issue(of: .missingDependency)
        #expect(issue.subject == "PathLow")
        #expect(issue.modules == ["LongPathModule"])
        #expect(issue.message == "scoped PathLow in module LongPathModule depends on PathMissing, which no module provides. "
            + "Dependency path: PathTop -> PathMiddle -> PathLow -> PathMissing.")
        #expect(issue.fix == "Add a provider of PathMissing (for example `scoped(PathMissing.init)`) to a module that LongPathModule imports, and export it.")
        #expect(error.issues.count == 1)

        // The first dependent in provision order is followed.
        let sideFirst = try await startupError(WakuFactory(SideFirstPathModule())).issue(of: .missingDependency)
        #expect(sideFirst.message.hasSuffix("Dependency path: PathSide -> PathMiddle -> PathLow -> PathMissing."), "\(sideFirst.message)")
    }

    @Test func missingDependencyWithOnlyAnInactiveProviderSaysSo() async throws {
        let error = try await startupError(WakuFactory(InactiveOnlyDependencyModule()))
        let issue = try error.issue(of: .missingDependency)
        #expect(issue.message == "scoped PathMiddle in module InactiveOnlyDependencyModule depends on PathMissing, which no module provides. "
            + "Dependency path: PathTop -> PathMiddle -> PathMissing. Its 1 conditional provider(s) are all inactive: "
            + "singleton PathMissing in InactiveOnlyDependencyModule (condition `flag` is false).")
        #expect(issue.fix == "Make one `when:` condition of PathMissing hold for this configuration, or add an unconditional provider.")
        // A single inactive alternative is not a conditional-provider issue.
        #expect(error.issues.count == 1, "\(error)")
    }

    @Test func missingDependencyInsideACycleStopsThePathAndBothAreReported() async throws {
        let error = try await startupError(WakuFactory(MissingInCycleModule()))
        #expect(error.issues.map(\.kind) == [.missingDependency, .dependencyCycle], "\(error)")
        #expect(error.issues[0].message.hasSuffix("Dependency path: CycleB -> CycleA -> PathMissing."), "\(error.issues[0].message)")
        #expect(error.issues[1].message == "Dependency cycle: CycleA -> CycleB -> CycleA (in module MissingInCycleModule).")
        #expect(error.issues[1].subject == "CycleA")
    }

    // MARK: Cycles through multi-bindings

    struct CycleHost: Sendable { let count: Int }
    struct CollectionCycleModule: Module {
        var providers: [Provider] {
            [
                singleton { (plugins: [any Plugin]) in CycleHost(count: plugins.count) },
                many((any Plugin).self, { NamedPlugin(name: "free") }, lifetime: .singleton),
                many((any Plugin).self, { (host: CycleHost) in NamedPlugin(name: "host \(host.count)") }, lifetime: .singleton),
            ]
        }
    }
    struct InactiveCycleModule: Module {
        var providers: [Provider] {
            [
                singleton { (plugins: [any Plugin]) in CycleHost(count: plugins.count) },
                many((any Plugin).self, { NamedPlugin(name: "free") }, lifetime: .singleton),
                many(
                    (any Plugin).self, { (host: CycleHost) in NamedPlugin(name: "host \(host.count)") },
                    lifetime: .singleton, when: .flag(false)),
            ]
        }
    }
    /// A contribution that needs its own collection, with no plain provider involved.
    struct SelfCollectionCycleModule: Module {
        var providers: [Provider] {
            [many((any Plugin).self, { (all: [any Plugin]) in NamedPlugin(name: "\(all.count)") }, lifetime: .singleton)]
        }
    }

    @Test func cycleThroughACollectionIsReported() async throws {
        let expected = "Dependency cycle: CycleHost -> \(Self.pluginsName) -> CycleHost (in module CollectionCycleModule)."
        let error = try await startupError(WakuFactory(CollectionCycleModule()))
        let issue = try error.issue(of: .dependencyCycle)
        #expect(issue.message == expected)
        #expect(issue.subject == "CycleHost")
        // Only keys with a chosen provider name modules; the collection has none.
        #expect(issue.modules == ["CollectionCycleModule"])
        #expect(error.issues.count == 1, "\(error)")

        let disabled = try #require(await #expect(throws: StartupError.self) {
            _ = try await WakuFactory(CollectionCycleModule(), validation: .disabled).create()
        })
        #expect(disabled.issues.map(\.message) == [expected])
    }

    @Test func inactiveContributionDoesNotCloseACycle() async throws {
        let app = try await WakuFactory(InactiveCycleModule()).create()
        #expect(try await app.container.get(CycleHost.self).count == 1)
    }

    @Test func collectionNeedingItselfIsACycleWithoutModules() async throws {
        let error = try await startupError(WakuFactory(SelfCollectionCycleModule()))
        let issue = try error.issue(of: .dependencyCycle)
        #expect(issue.message == "Dependency cycle: \(Self.pluginsName) -> \(Self.pluginsName).")
        #expect(issue.modules.isEmpty)
        #expect(issue.subject == Self.pluginsName)
        #expect(error.issues.count == 1)
    }

    // MARK: Validation opt-out and issue order

    struct Gauge: Sendable { let value: Int }
    struct RequestToken: Sendable {}
    struct Hoarder: Sendable {}
    struct Orphan: Sendable {}
    struct SloppyLib: Module {
        var providers: [Provider] {
            [
                object(Secret(value: "lib")),
                singleton { Clock(source: "lib") },
                singleton({ Gauge(value: 1) }, when: .flag(false)),
                singleton({ Gauge(value: 2) }, when: .flag(false)),
            ]
        }
        var exports: [Export] { [.type(Clock.self), .type(Ghost.self), .module(ClockA.self)] }
    }
    struct SloppyRoot: Module {
        var imports: [any Module] { [SloppyLib()] }
        var providers: [Provider] {
            [
                scoped { (secret: Secret) in Peek(value: secret.value) },  // boundary violation
                scoped { RequestToken() },
                singleton { (_: RequestToken) in Hoarder() },  // captive dependency
                scoped { (_: PathMissing) in Orphan() },  // missing dependency
                scoped { (clock: Clock) in ClockReport(text: clock.source) },  // fine
            ]
        }
    }

    @Test func strictModeReportsEveryStageInOrder() async throws {
        let error = try await startupError(WakuFactory(SloppyRoot()))
        #expect(error.issues.map(\.kind) == [
            .conditionalProviders, .invalidExport, .invalidExport, .boundaryViolation, .captiveDependency,
            .missingDependency,
        ], "\(error)")
        #expect(error.issues.map(\.subject) == ["Gauge", "Ghost", "ClockA", "Peek", "Hoarder", "Orphan"])
        #expect(error.issues[0].message == "No conditional provider of Gauge is active: all 2 alternatives "
            + "(singleton Gauge in SloppyLib, singleton Gauge in SloppyLib) have false conditions.")
        #expect(error.issues[0].modules == ["SloppyLib"])
        #expect(error.issues[4].message == "singleton Hoarder in module SloppyRoot depends on scoped RequestToken; "
            + "the singleton would capture one instance for the whole app.")
    }

    @Test func disabledValidationStillBuildsAndResolvesWhatIsThere() async throws {
        let app = try await WakuFactory(SloppyRoot(), validation: .disabled).create()
        let (peek, report) = try await app.withContainer { container in
            (try await container.get(Peek.self).value, try await container.get(ClockReport.self).text)
        }
        #expect(peek == "lib")
        #expect(report == "lib")
        let missing = try await resolutionError {
            _ = try await app.withContainer { try await $0.get(Orphan.self) }
        }
        #expect(missing == ResolutionError(type: "PathMissing", reason: .unregistered))
        // No alternative was active, so Gauge has no slot at all.
        #expect(!app.container.contains(Gauge.self))
    }

    // MARK: Conditional alternatives in declaration order (the one intended change)

    struct Echo: Sendable {}
    struct Bravo: Sendable {}
    struct Golf: Sendable {}
    struct Delta: Sendable {}
    struct Alpha: Sendable {}
    struct Charlie: Sendable {}
    struct Foxtrot: Sendable {}
    struct OffLib: Module {
        var providers: [Provider] {
            [
                singleton({ Echo() }, when: .flag(false)),
                singleton({ Bravo() }, when: .flag(false)),
                singleton({ Echo() }, when: .flag(false)),
                singleton({ Bravo() }, when: .flag(false)),
                singleton({ Golf() }, when: .flag(false)),
            ]
        }
    }
    struct OffRoot: Module {
        var imports: [any Module] { [OffLib()] }
        var providers: [Provider] {
            [
                singleton({ Delta() }, when: .flag(false)),
                singleton({ Alpha() }, when: .flag(false)),
                singleton({ Golf() }, when: .flag(false)),
                singleton({ Charlie() }, when: .flag(false)),
                singleton({ Foxtrot() }, when: .flag(false)),  // one alternative only: not reported
                singleton({ Delta() }, when: .flag(false)),
                singleton({ Alpha() }, when: .flag(false)),
                singleton({ Charlie() }, when: .flag(false)),
            ]
        }
    }

    @Test func inactiveAlternativesAcrossModulesAreReportedInDeclarationOrder() async throws {
        let error = try await startupError(WakuFactory(OffRoot()))
        #expect(error.issues.allSatisfy { $0.kind == .conditionalProviders }, "\(error)")
        #expect(error.issues.map(\.subject) == ["Echo", "Bravo", "Golf", "Delta", "Alpha", "Charlie"])
        let golf = try #require(error.issues.first { $0.subject == "Golf" })
        #expect(golf.modules == ["OffLib", "OffRoot"])
        #expect(golf.message.contains("all 2 alternatives (singleton Golf in OffLib, singleton Golf in OffRoot)"), "\(golf.message)")
    }

    // MARK: The built-in Container key

    struct ContainerHolder: Sendable { let seesClock: Bool }
    struct ContainerUser: Module {
        var providers: [Provider] {
            [
                singleton { Clock(source: "own") },
                // A singleton taking the (transient) container is neither missing nor captive.
                singleton { (container: Container) in ContainerHolder(seesClock: container.contains(Clock.self)) },
            ]
        }
    }

    @Test func containerIsInjectableWithoutAProvider() async throws {
        let app = try await WakuFactory(ContainerUser()).create()
        #expect(try await app.container.get(ContainerHolder.self).seesClock)
        #expect(app.container.contains(Container.self))
    }

    // MARK: Slot layout, cache indices and synchronous frontiers

    struct LayoutA: Sendable {}
    struct LayoutB: Sendable {}
    struct LayoutC: Sendable {}
    struct LayoutD: Sendable { let tag: String }
    struct LayoutE: Sendable {}
    struct LayoutF: Sendable {}
    struct LayoutG: Sendable {}
    struct LayoutH: Sendable {}
    struct LayoutI: Sendable {}
    protocol Other: Sendable {}
    struct OtherThing: Other {}
    struct LayoutModule: Module {
        var providers: [Provider] {
            [
                many((any Plugin).self, { NamedPlugin(name: "p1") }, lifetime: .singleton),
                singleton { LayoutA() },
                singleton({ LayoutD(tag: "off") }, when: .flag(false)),
                scoped { (_: LayoutA) in LayoutB() },
                transient { (_: Container, _: [any Plugin]) in LayoutC() },
                many((any Other).self, { OtherThing() }, when: .flag(false)),
                singleton { LayoutD(tag: "on") },
                many((any Plugin).self, { (_: LayoutB) in NamedPlugin(name: "p2") }),
                object(LayoutE()),
                transient { (_: LayoutB, _: LayoutA, _: LayoutE) in LayoutF() },
                transient { (_: LayoutF, _: LayoutD, _: LayoutA) in LayoutG() },
                transient { () async in LayoutH() },
                transient { (_: LayoutH, _: LayoutA) in LayoutI() },
            ]
        }
    }

    private static func cacheIndex(_ slot: Slot) -> Int? {
        if case .factory(_, let cacheIndex) = slot.kind { return cacheIndex }
        return nil
    }

    private static func frontier(_ graph: CompiledGraph, _ position: Int) -> [Int]? {
        let hot = graph.hot[position]
        guard hot.frontierCount >= 0 else { return nil }
        return (0 ..< hot.frontierCount).map { graph.slotLists[hot.frontier + $0] }
    }

    @Test func slotsAreLaidOutChosenThenCollectionsThenContainerThenContributions() async throws {
        let app = try await WakuFactory(LayoutModule()).create()
        let graph = app.container.graph
        let keys: [TypeKey] = [
            TypeKey(LayoutA.self), TypeKey(LayoutB.self), TypeKey(LayoutC.self), TypeKey(LayoutD.self),
            TypeKey(LayoutE.self), TypeKey(LayoutF.self), TypeKey(LayoutG.self), TypeKey(LayoutH.self),
            TypeKey(LayoutI.self), TypeKey([any Plugin].self), TypeKey([any Other].self), TypeKey(Container.self),
            TypeKey((any Plugin).self), TypeKey((any Plugin).self),
        ]
        #expect(graph.slots.map(\.key) == keys)
        // Every key with a slot of its own is indexed; contributions are reached through their collection.
        for position in 0 ..< 12 {
            #expect(graph.lookup[keys[position].id] == position, "\(keys[position])")
        }
        #expect(graph.lookup[ObjectIdentifier((any Plugin).self)] == nil)
        #expect(graph.lookup[ObjectIdentifier(Ghost.self)] == nil)

        // Cache indices are taken in slot order: chosen providers first, contributions last.
        #expect(graph.slots.map { Self.cacheIndex($0) } == [0, 0, nil, 1, nil, nil, nil, nil, nil, nil, nil, nil, 2, 1])
        #expect(graph.slots.map(\.lifetime) == [
            .singleton, .scoped, .transient, .singleton, .object, .transient, .transient, .transient, .transient,
            .transient, .transient, .transient, .singleton, .scoped,
        ])
        #expect(graph.singletonCount == 3)
        #expect(graph.scopedCount == 2)
        if case .container = graph.slots[11].kind {} else { Issue.record("slot 11 is not the container") }
        if case .instance = graph.slots[4].kind {} else { Issue.record("slot 4 is not an instance") }

        #expect(graph.slots.map(\.dependencySlots) == [
            [], [0], [11, 9], [], [], [1, 0, 4], [5, 3, 0], [], [7, 0], [], [], [], [], [1],
        ])

        // Synchronous builds: the cached slots each reads, or nil when it can never be built
        // without suspending (an async factory, or a collection, among its transient dependencies).
        let frontiers = (0 ..< graph.slots.count).map { Self.frontier(graph, $0) }
        #expect(frontiers == [[], [0], nil, [], nil, [1, 0], [1, 0, 3], nil, nil, nil, nil, nil, [], [1]])

        // And it all resolves.
        let names = try await app.withContainer { try await $0.get([any Plugin].self).map(\.name) }
        #expect(names == ["p1", "p2"])
        #expect(try await app.container.get([any Other].self).isEmpty)
        #expect(try await app.container.get(LayoutD.self).tag == "on")
        _ = try await app.withContainer { try await $0.get(LayoutG.self) }
        _ = try await app.withContainer { try await $0.get(LayoutI.self) }
        _ = try await app.withContainer { try await $0.get(LayoutC.self) }
    }
}
