import Testing
import Waku
import WakuTesting

/// The code a diagnostic suggests compiles as written: types are spelled as in Swift source.
@Suite("Diagnostics spell types as Swift source")
struct DiagnosticSpellingTests {
    struct Guest: Sendable {}
    protocol Greeter<Audience>: Sendable { associatedtype Audience }
    protocol IRepository: Sendable {}
    struct Repository: IRepository {}
    struct Welcome: Sendable { let greeter: any Greeter<Guest> }
    struct Users: Sendable { let repository: any IRepository }

    struct NeedsGenericExistential: Module {
        var providers: [Provider] { [scoped { (greeter: any Greeter<Guest>) in Welcome(greeter: greeter) }] }
    }

    @Test func aConstrainedExistentialIsWrittenWithItsArguments() async throws {
        let error = try await startupError(WakuFactory(NeedsGenericExistential()))
        let issue = try error.issue(of: .missingDependency)
        #expect(issue.message.contains("depends on any Greeter<Guest>,"), "\(issue.message)")
        #expect(!issue.message.contains("=="), "\(issue.message)")
        #expect(issue.fix.contains("`scoped((any Greeter<Guest>).self, Implementation.init)`"), "\(issue.fix)")
    }

    struct RepositoryModule: Module {
        var providers: [Provider] { [singleton((any IRepository).self, Repository.init)] }
    }
    struct UsersModule: Module {
        var imports: [any Module] { [RepositoryModule()] }
        var providers: [Provider] { [scoped(Users.init)] }
    }

    @Test func anExistentialExportIsWrittenWithAny() async throws {
        let issue = try (try await startupError(WakuFactory(UsersModule()))).issue(of: .boundaryViolation)
        #expect(issue.fix.contains("`exports: [.type((any IRepository).self)]`"), "\(issue.fix)")
    }

    struct NeedsRepository: Module {
        var providers: [Provider] { [scoped(Users.init)] }
    }

    @Test func aMissingExistentialSuggestsBindingAnImplementation() async throws {
        let issue = try (try await startupError(WakuFactory(NeedsRepository()))).issue(of: .missingDependency)
        #expect(issue.fix.contains("`scoped((any IRepository).self, Implementation.init)`"), "\(issue.fix)")
        #expect(!issue.fix.contains("IRepository.init"), "\(issue.fix)")

        let app = try await WakuFactory(RepositoryModule()).create()
        let error = try await resolutionError { _ = try await app.withContainer { try await $0.get(Users.self) } }
        #expect(error.reason == .unregistered)
        #expect(error.description.contains("`scoped(Users.init)`"), "\(error)")
        let existential = try await resolutionError { _ = try await app.container.get((any Greeter<Guest>).self) }
        #expect(existential.description.contains("`scoped((any Greeter<Guest>).self, Implementation.init)`"), "\(existential)")
    }

    struct Other: Sendable {}
    struct SwitchedOff: Module {
        var providers: [Provider] { [singleton(Other.init, when: .flag(false, "feature enabled"))] }
    }

    @Test func resolvingATypeWhoseOnlyProviderIsInactiveNamesItAndItsCondition() async throws {
        let app = try await WakuFactory(SwitchedOff()).create()
        let error = try await resolutionError { _ = try await app.container.get(Other.self) }
        #expect(error.reason == .inactive(providers: "its only provider, singleton Other in SwitchedOff (condition `feature enabled` is false), is switched off"))
        #expect(error.description.hasPrefix("No active provider for Other: its only provider, singleton Other in SwitchedOff"), "\(error)")
        #expect(error.description.contains("`when:` condition"), "\(error)")
    }

    struct Mailer: Sendable {}
    struct TwiceInOneModule: Module {
        var providers: [Provider] { [singleton(Mailer.init), scoped { Mailer() }] }
    }

    @Test func aDuplicateInOneModuleNamesTheModuleOnce() async throws {
        let issue = try (try await startupError(WakuFactory(TwiceInOneModule()))).issue(of: .duplicateProvider)
        #expect(issue.message == "Mailer is provided twice in module TwiceInOneModule (singleton Mailer, scoped Mailer).")
        #expect(issue.fix.hasPrefix("Keep one provider of Mailer in TwiceInOneModule"), "\(issue.fix)")
    }

    @Test func aTypeDeclaredInAFunctionIsNamedWithoutItsContext() async throws {
        struct LocalModule: Module { var providers: [Provider] { [singleton(Other.init, when: .flag(false))] } }
        let app = try await WakuFactory(LocalModule()).create()
        let error = try await resolutionError { _ = try await app.container.get(Other.self) }
        #expect(error.description.contains("singleton Other in LocalModule ("), "\(error)")
        #expect(!error.description.contains("unknown context"), "\(error)")
    }
}
