import Foundation
import Logging
import Testing
import Waku
import WakuTesting

/// Keeps every log record, so tests can read what the factory warned about.
final class RecordingLogHandler: LogHandler, @unchecked Sendable {
    // @unchecked: `storage` is a Locked box; the other properties are set before the handler is
    // shared.
    struct Record: Sendable {
        let level: Logger.Level
        let message: String
    }

    private let storage = Locked([Record]())
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        storage.withLock { $0.append(Record(level: event.level, message: event.message.description)) }
    }

    var records: [Record] { storage.withLock { $0 } }

    var logger: Logger { Logger(label: "validation-test") { _ in self } }
}

@Suite("Validation modes")
struct ValidationModeTests {
    struct Repository: Sendable {}
    struct Service: Sendable { let repository: Repository }
    struct Hidden: Sendable {}
    struct UsesHidden: Sendable { let hidden: Hidden }
    struct LibraryModule: Module {
        var providers: [Provider] { [singleton { Hidden() }] }
    }
    /// Two problems `.disabled` skips: a missing dependency and a boundary violation.
    struct SloppyModule: Module {
        var imports: [any Module] { [LibraryModule()] }
        var providers: [Provider] {
            [
                scoped { (repository: Repository) in Service(repository: repository) },
                singleton { (hidden: Hidden) in UsesHidden(hidden: hidden) },
            ]
        }
    }
    /// A problem no mode lets through: a dependency cycle.
    struct Ping: Sendable {}
    struct Pong: Sendable {}
    struct CyclicModule: Module {
        var providers: [Provider] { [singleton { (_: Pong) in Ping() }, singleton { (_: Ping) in Pong() }] }
    }

    @Test func warnLogsEveryCheckedProblemWithItsFixAndStarts() async throws {
        let strict = try await startupError(WakuFactory(SloppyModule()))
        #expect(strict.issues.map(\.kind) == [.missingDependency, .boundaryViolation])

        let handler = RecordingLogHandler()
        let app = try await WakuFactory(SloppyModule(), validation: .warn, logger: handler.logger).create()
        let warnings = handler.records.filter { $0.level == .warning }.map(\.message)
        #expect(warnings.count == 3, "\(warnings)")
        #expect(warnings.first?.contains("found 2 problems; the application starts anyway") == true, "\(warnings)")
        for issue in strict.issues {
            #expect(warnings.contains { $0.contains(issue.message) && $0.contains("fix: \(issue.fix)") }, "\(issue) in \(warnings)")
        }
        // It started: what can be resolved is resolved, and what is missing fails when asked for.
        try await app.run { app in
            _ = try await app.container.get(UsesHidden.self)
            let error = try await resolutionError { _ = try await app.withContainer { try await $0.get(Service.self) } }
            #expect(error.type == "Repository")
        }
    }

    @Test func warnStillFailsOnProblemsThatMakeTheGraphImpossible() async throws {
        let handler = RecordingLogHandler()
        let error = try #require(await #expect(throws: StartupError.self) {
            _ = try await WakuFactory(CyclicModule(), validation: .warn, logger: handler.logger).create()
        })
        #expect(error.issues.map(\.kind) == [.dependencyCycle])
    }

    @Test func warnIsSilentWhenNothingIsWrong() async throws {
        let handler = RecordingLogHandler()
        _ = try await WakuFactory(LibraryModule(), validation: .warn, logger: handler.logger).create()
        #expect(handler.records.filter { $0.level >= .warning }.isEmpty)
    }

    @Test func disabledSaysOnceThatValidationIsOff() async throws {
        let handler = RecordingLogHandler()
        _ = try await WakuFactory(SloppyModule(), validation: .disabled, logger: handler.logger).create()
        let warnings = handler.records.filter { $0.level == .warning }.map(\.message)
        #expect(warnings.count == 1, "\(warnings)")
        #expect(warnings.first?.contains("validation is disabled (validation: .disabled)") == true, "\(warnings)")
        #expect(warnings.first?.contains("validation: .warn") == true)

        let strictHandler = RecordingLogHandler()
        _ = try await WakuFactory(LibraryModule(), logger: strictHandler.logger).create()
        #expect(strictHandler.records.filter { $0.level >= .warning }.isEmpty)
    }
}
