import Testing
import Waku
import WakuTesting

@Suite("Visibility")
struct VisibilityTests {
    // MARK: Fixtures

    struct Clock: Sendable { let now: Int }
    struct Secret: Sendable { let value: String }
    struct Report: Sendable { let text: String }

    // Own module.
    struct SelfContained: Module {
        var providers: [Provider] {
            [
                singleton { Clock(now: 42) },
                scoped { (clock: Clock) in Report(text: "own \(clock.now)") },
            ]
        }
    }

    // Direct import.
    struct ClockModule: Module {
        var providers: [Provider] { [singleton { Clock(now: 7) }, singleton { Secret(value: "hidden") }] }
        var exports: [Export] { [.type(Clock.self)] }
    }
    struct DirectImporter: Module {
        var imports: [any Module] { [ClockModule()] }
        var providers: [Provider] { [scoped { (clock: Clock) in Report(text: "imported \(clock.now)") }] }
    }

    // Re-export chain: Top imports Relay, Relay re-exports ClockModule.
    struct Relay: Module {
        var imports: [any Module] { [ClockModule()] }
        var exports: [Export] { [.module(ClockModule.self)] }
    }
    struct Top: Module {
        var imports: [any Module] { [Relay()] }
        var providers: [Provider] { [scoped { (clock: Clock) in Report(text: "re-exported \(clock.now)") }] }
    }

    // Global module.
    struct GlobalClock: Module {
        var isGlobal: Bool { true }
        var providers: [Provider] { [singleton { Clock(now: 99) }, singleton { Secret(value: "global secret") }] }
        var exports: [Export] { [.type(Clock.self)] }
    }
    struct UsesGlobalExport: Module {
        var providers: [Provider] { [scoped { (clock: Clock) in Report(text: "global \(clock.now)") }] }
    }
    struct GlobalExportRoot: Module { var imports: [any Module] { [GlobalClock(), UsesGlobalExport()] } }

    // Context values.
    struct TenantID: Sendable, Equatable { let raw: String }
    struct RequestID: Sendable, Equatable { let raw: Int }
    struct UsesContext: Module {
        var providers: [Provider] {
            [scoped { (tenant: TenantID, request: RequestID) in Report(text: "\(tenant.raw)#\(request.raw)") }]
        }
    }
    struct ContextRoot: Module {
        var imports: [any Module] { [UsesContext()] }
        var providers: [Provider] { [contextual(TenantID.self, scope: .app), contextual(RequestID.self)] }
    }

    // Violation: a non-exported provider of an imported module.
    struct UsesSecret: Module {
        var imports: [any Module] { [ClockModule()] }
        var providers: [Provider] { [scoped { (secret: Secret) in Report(text: secret.value) }] }
    }

    // Violation: a transitive import. TransitiveTop imports Relay2, which imports ClockModule
    // without re-exporting it.
    struct Relay2: Module { var imports: [any Module] { [ClockModule()] } }
    struct TransitiveTop: Module {
        var imports: [any Module] { [Relay2()] }
        var providers: [Provider] { [scoped { (clock: Clock) in Report(text: "\(clock.now)") }] }
    }

    // Violation: a global module's non-exported provider.
    struct UsesGlobalSecret: Module {
        var providers: [Provider] { [scoped { (secret: Secret) in Report(text: secret.value) }] }
    }
    struct GlobalSecretRoot: Module { var imports: [any Module] { [GlobalClock(), UsesGlobalSecret()] } }

    // The root module is global: its exports reach modules that cannot import it.
    struct Child: Module {
        var providers: [Provider] { [scoped { (clock: Clock) in Report(text: "from root \(clock.now)") }] }
    }
    struct ExportingRoot: Module {
        var imports: [any Module] { [Child()] }
        var providers: [Provider] { [singleton { Clock(now: 1) }] }
        var exports: [Export] { [.type(Clock.self)] }
    }
    /// The same root without the export: the child must not see it.
    struct NonExportingRoot: Module {
        var imports: [any Module] { [Child()] }
        var providers: [Provider] { [singleton { Clock(now: 1) }] }
    }

    // MARK: Allowed

    @Test func providerUsesItsOwnModule() async throws {
        let app = try await WakuFactory(SelfContained()).create()
        #expect(try await app.withContainer { try await $0.get(Report.self).text } == "own 42")
    }

    @Test func providerUsesExportOfDirectImport() async throws {
        let app = try await WakuFactory(DirectImporter()).create()
        #expect(try await app.withContainer { try await $0.get(Report.self).text } == "imported 7")
    }

    @Test func providerUsesExportThroughReexportChain() async throws {
        let app = try await WakuFactory(Top()).create()
        #expect(try await app.withContainer { try await $0.get(Report.self).text } == "re-exported 7")
    }

    @Test func providerUsesGlobalModuleExportWithoutImport() async throws {
        let app = try await WakuFactory(GlobalExportRoot()).create()
        #expect(try await app.withContainer { try await $0.get(Report.self).text } == "global 99")
    }

    @Test func providerUsesContextValuesFromAnyModule() async throws {
        let app = try await WakuFactory(ContextRoot(), context: ContextValues(TenantID(raw: "acme"))).create()
        let text = try await app.withContainer(context: ContextValues(RequestID(raw: 5))) {
            try await $0.get(Report.self).text
        }
        #expect(text == "acme#5")
    }

    @Test func rootModuleIsGlobal() async throws {
        let app = try await WakuFactory(ExportingRoot()).create()
        #expect(try await app.withContainer { try await $0.get(Report.self).text } == "from root 1")
    }

    // MARK: Violations

    @Test func nonExportedProviderOfImportedModuleIsABoundaryViolation() async throws {
        let error = try await startupError(WakuFactory(UsesSecret()))
        let issue = try error.issue(of: .boundaryViolation)
        #expect(issue.modules == ["UsesSecret", "ClockModule"])
        #expect(issue.message.contains("Secret"))
        #expect(issue.fix.contains("Export Secret from ClockModule"), "\(issue.fix)")
    }

    @Test func transitiveImportIsABoundaryViolation() async throws {
        let error = try await startupError(WakuFactory(TransitiveTop()))
        let issue = try error.issue(of: .boundaryViolation)
        #expect(issue.modules == ["TransitiveTop", "ClockModule"])
        #expect(issue.message.contains("Clock"))
        // Clock is exported by ClockModule; the fix is to import it directly.
        #expect(issue.fix.contains("Import ClockModule into TransitiveTop"), "\(issue.fix)")
    }

    @Test func globalModuleDoesNotLeakNonExportedProviders() async throws {
        let error = try await startupError(WakuFactory(GlobalSecretRoot()))
        let issue = try error.issue(of: .boundaryViolation)
        #expect(issue.modules == ["UsesGlobalSecret", "GlobalClock"])
        #expect(issue.message.contains("Secret"))
    }

    @Test func rootModuleLeaksOnlyItsExports() async throws {
        let error = try await startupError(WakuFactory(NonExportingRoot()))
        let issue = try error.issue(of: .boundaryViolation)
        #expect(issue.modules == ["Child", "NonExportingRoot"])
    }
}
