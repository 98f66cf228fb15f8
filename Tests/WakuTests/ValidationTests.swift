import Testing
import Waku
import WakuTesting

@Suite("Start-up validation")
struct ValidationTests {
    // MARK: Missing dependency

    struct Repository: Sendable {}
    struct Service: Sendable { let repository: Repository }
    struct Controller: Sendable { let service: Service }
    struct MissingModule: Module {
        var providers: [Provider] {
            [
                scoped { (service: Service) in Controller(service: service) },
                scoped { (repository: Repository) in Service(repository: repository) },
            ]
        }
    }

    @Test func missingDependencyShowsTheDependencyPath() async throws {
        let error = try await startupError(WakuFactory(MissingModule()))
        let issue = try error.issue(of: .missingDependency)
        #expect(issue.message.contains("Controller -> Service -> Repository"), "\(issue.message)")
        #expect(issue.modules == ["MissingModule"])
        #expect(issue.subject == "Service")
        #expect(issue.fix.contains("Repository"))
        #expect(error.issues.count == 1)
    }

    // MARK: Captive dependencies

    struct RequestState: Sendable {}
    struct Stamp: Sendable {}
    struct Cache: Sendable {}
    struct Registry: Sendable {}
    struct CaptiveScopedModule: Module {
        var providers: [Provider] {
            [scoped { RequestState() }, singleton { (_: RequestState) in Cache() }]
        }
    }
    struct CaptiveTransientModule: Module {
        var providers: [Provider] {
            [transient { Stamp() }, singleton { (_: Stamp) in Registry() }]
        }
    }

    @Test func singletonDependingOnScopedIsCaptive() async throws {
        let error = try await startupError(WakuFactory(CaptiveScopedModule()))
        let issue = try error.issue(of: .captiveDependency)
        #expect(issue.subject == "Cache")
        #expect(issue.message.contains("scoped RequestState"), "\(issue.message)")
        #expect(issue.modules == ["CaptiveScopedModule"])
        #expect(error.issues.count == 1)
    }

    @Test func singletonDependingOnTransientIsCaptive() async throws {
        let error = try await startupError(WakuFactory(CaptiveTransientModule()))
        let issue = try error.issue(of: .captiveDependency)
        #expect(issue.subject == "Registry")
        #expect(issue.message.contains("transient Stamp"), "\(issue.message)")
        #expect(error.issues.count == 1)
    }

    // MARK: Cycles

    struct First: Sendable {}
    struct Second: Sendable {}
    struct Third: Sendable {}
    struct Outside: Sendable {}
    struct CycleModule: Module {
        var providers: [Provider] {
            [
                singleton { (_: Second) in First() },
                singleton { (_: Third) in Second() },
                singleton { (_: First) in Third() },
                singleton { (_: First) in Outside() },
            ]
        }
    }

    @Test func dependencyCycleNamesEveryTypeInIt() async throws {
        let error = try await startupError(WakuFactory(CycleModule()))
        let issue = try error.issue(of: .dependencyCycle)
        #expect(issue.message.contains("First -> Second -> Third -> First (in module CycleModule)"), "\(issue.message)")
        #expect(!issue.message.contains("Outside"))
        #expect(issue.modules == ["CycleModule"])
    }

    // MARK: Everything at once

    struct Secret: Sendable {}
    struct Ghost: Sendable {}
    struct Duplicate: Sendable {}
    struct Needy: Sendable {}
    struct Lonely: Sendable {}
    struct Vault: Module {
        var providers: [Provider] { [singleton { Secret() }, singleton { Duplicate() }] }
        var exports: [Export] { [.type(Ghost.self)] }  // invalid: Vault does not provide Ghost
    }
    struct Messy: Module {
        var imports: [any Module] { [Vault()] }
        var providers: [Provider] {
            [
                singleton { (_: Secret) in Needy() },  // boundary violation: Secret is not exported
                singleton { (_: Repository) in Lonely() },  // missing dependency
                scoped { RequestState() },
                singleton { (_: RequestState) in Cache() },  // captive dependency
                singleton { Duplicate() },  // duplicate of Vault's
                singleton { (_: Second) in First() },  // cycle First -> Second -> First
                singleton { (_: First) in Second() },
            ]
        }
    }

    @Test func everyProblemIsReportedTogether() async throws {
        let error = try await startupError(WakuFactory(Messy()))
        #expect(Set(error.issues.map(\.kind)) == [
            .invalidExport, .boundaryViolation, .missingDependency, .captiveDependency, .duplicateProvider,
            .dependencyCycle,
        ])
        #expect(error.issues.count == 6, "\(error)")
        #expect(error.description.hasPrefix("Waku start-up failed with 6 problems:"))
    }

    @Test func everyIssueHasAFixAndNamesItsModules() async throws {
        let error = try await startupError(WakuFactory(Messy()))
        let known: Set<String> = ["Messy", "Vault"]
        for issue in error.issues {
            #expect(!issue.fix.isEmpty, "\(issue)")
            #expect(!issue.modules.isEmpty, "\(issue)")
            #expect(Set(issue.modules).isSubset(of: known), "\(issue)")
            // What a person reads (the description) names every module involved.
            for module in issue.modules {
                #expect(issue.description.contains(module), "\(issue)")
            }
        }
        #expect(try error.issue(of: .invalidExport).modules == ["Vault"])
        #expect(try error.issue(of: .boundaryViolation).modules == ["Messy", "Vault"])
        #expect(try error.issue(of: .duplicateProvider).modules == ["Vault", "Messy"])
    }

    // MARK: Disabled validation

    @Test func disabledValidationStartsAndFailsAtResolution() async throws {
        let app = try await WakuFactory(MissingModule(), validation: .disabled).create()
        let error = try await resolutionError {
            _ = try await app.withContainer { try await $0.get(Controller.self) }
        }
        #expect(error == ResolutionError(type: "Repository", reason: .unregistered))
    }

    @Test func disabledValidationStillReportsCycles() async throws {
        let error = try #require(await #expect(throws: StartupError.self) {
            _ = try await WakuFactory(CycleModule(), validation: .disabled).create()
        })
        #expect(Set(error.issues.map(\.kind)) == [.dependencyCycle])
    }
}
