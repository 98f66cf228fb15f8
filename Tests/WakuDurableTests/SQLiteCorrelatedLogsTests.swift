#if SQLite
import Foundation
import Logging
import Testing
import Waku
import WakuMessaging
import WakuSQLite
import WakuTesting

// A durable handler runs on its endpoint's worker from a row read back from SQLite: its log lines
// still carry the ids of the message it handles, correlated to the message that caused it.

struct CorrelatedStart: IEvent { let id: Int }
struct CorrelatedJob: IEvent, Codable { let id: Int }

/// Inline: publishes the durable job while handling `CorrelatedStart`.
final class CorrelatedStarter: EventHandler {
    let publisher: any IPublisher
    init(publisher: any IPublisher) { self.publisher = publisher }
    func handle(_ event: CorrelatedStart) async throws { try await publisher.publish(CorrelatedJob(id: event.id)) }
}

/// Routed to the durable endpoint "jobs".
final class CorrelatedJobHandler: EventHandler {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
    func handle(_ event: CorrelatedJob) async throws { logger.info("durable job \(event.id)") }
}

struct CorrelatedJobsModule: Module {
    let logger: Logger
    var providers: [Provider] { [object(logger)] }
    var extensions: [any ModuleExtension] {
        [MessagingExtension()
            .bindEvent(CorrelatedStart.self, CorrelatedStarter.init)
            .bindEvent(CorrelatedJob.self, CorrelatedJobHandler.init)]
    }
}

struct CorrelatedRoot: Module {
    let store: SQLiteDurableStore
    let logger: Logger
    var imports: [any Module] {
        [
            MessagingModule.register(MessagingConfig(
                endpoints: [.durable("jobs", pollInterval: .milliseconds(20))], routing: [route(CorrelatedJob.self).to("jobs")],
                durableStore: store)),
            CorrelatedJobsModule(logger: logger),
        ]
    }
}

@Suite("Correlated logs on a durable SQLite endpoint", .timeLimit(.minutes(1)))
struct SQLiteCorrelatedLogsTests {
    @Test("a durable handler's line carries its message id, the originating correlation id, and the endpoint")
    func durableHandlerLineCarriesIDs() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        let logs = LogCapture()
        let app = try await WakuFactory(CorrelatedRoot(store: store, logger: logs.logger(metadataProvider: .waku))).create()
        try await app.initialize()
        let (_, session) = try await trackMessages(app) {
            try await app.withContainer { try await $0.get((any IPublisher).self).publish(CorrelatedStart(id: 5)) }
        }
        try await app.close()
        await store.shutdown()

        let start = try #require(session.published.first { $0.messageType.hasSuffix("CorrelatedStart") })
        let job = try #require(session.published.first { $0.messageType.hasSuffix("CorrelatedJob") })
        #expect(session.handled.contains { $0.endpoint == "jobs" })
        let line = try #require(logs.lines.first { $0.message == "durable job 5" })
        #expect(line.metadata[WakuLogMetadata.Key.messageID] == "\(job.messageId)")
        #expect(line.metadata[WakuLogMetadata.Key.correlationID] == "\(start.messageId)")
        #expect(line.metadata[WakuLogMetadata.Key.causationID] == "\(start.messageId)")
        #expect(line.metadata[WakuLogMetadata.Key.messageType] == job.messageType)
        #expect(line.metadata[WakuLogMetadata.Key.endpoint] == "jobs")
    }
}
#endif
