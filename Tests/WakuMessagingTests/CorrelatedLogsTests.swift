import Foundation
import Logging
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Correlated logs: handlers log plainly, and `Logger.MetadataProvider.waku` adds the ids of the
// request and message they handle. The loggers are real swift-log loggers (WakuTesting's
// `LogCapture`) with the provider given explicitly, since `LoggingSystem.bootstrap` is once per
// process.

struct LogPlaceOrder: IRequest { typealias Response = Int; let id: Int }
struct LogOrderPlaced: IEvent { let id: Int }

/// The request's handler: logs, then publishes `LogOrderPlaced`.
final class LogPlaceOrderHandler: RequestHandler {
    let logger: Logger
    let publisher: any IPublisher
    init(logger: Logger, publisher: any IPublisher) {
        self.logger = logger
        self.publisher = publisher
    }
    func handle(_ request: LogPlaceOrder) async throws -> Int {
        logger.info("placing")
        try await publisher.publish(LogOrderPlaced(id: request.id))
        return request.id
    }
}

/// Runs inline, in the publishing task.
final class LogInlineHandler: EventHandler {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
    func handle(_ event: LogOrderPlaced) async throws { logger.info("inline") }
}

/// Routed to the local queue "side": runs on its worker.
final class LogRoutedHandler: EventHandler {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
    func handle(_ event: LogOrderPlaced) async throws { logger.info("routed") }
}

struct LogOrdersModule: Module {
    var extensions: [any ModuleExtension] {
        [MessagingExtension()
            .bindRequest(LogPlaceOrder.self, LogPlaceOrderHandler.init)
            .bindEvent(LogOrderPlaced.self, LogInlineHandler.init)]
    }
}

struct LogRoutedModule: Module {
    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(LogOrderPlaced.self, LogRoutedHandler.init)] }
}

struct LogsRoot: Module {
    let logger: Logger
    var providers: [Provider] { [object(logger)] }
    var exports: [Export] { [.type(Logger.self)] }
    var isGlobal: Bool { true }
    var imports: [any Module] {
        [
            MessagingModule.register(MessagingConfig(
                endpoints: [.localQueue("side")], routing: [routeModule(LogRoutedModule.self).eventsTo("side")],
                logger: Logger(label: "quiet", factory: { _ in SwiftLogNoOpLogHandler() }))),
            LogOrdersModule(),
            LogRoutedModule(),
        ]
    }
}

@Suite("Correlated logs", .timeLimit(.minutes(1)))
struct CorrelatedLogsTests {
    @Test("lines of a request handler, an inline and a local-queue handler carry the message's ids, correlated to the root")
    func handlerLinesCarryMessageIDs() async throws {
        let logs = LogCapture()
        let app = try await WakuFactory(LogsRoot(logger: logs.logger(metadataProvider: .waku))).create()
        try await app.initialize()
        let (_, session) = try await trackMessages(app) {
            try await app.withContainer { try await $0.get((any ISender).self).invoke(LogPlaceOrder(id: 1)) }
        }
        try await app.close()

        let request = try #require(session.published.first { $0.messageType.hasSuffix("LogPlaceOrder") })
        let event = try #require(session.published.first { $0.messageType.hasSuffix("LogOrderPlaced") })
        let placing = try #require(logs.lines.first { $0.message == "placing" })
        let inline = try #require(logs.lines.first { $0.message == "inline" })
        let routed = try #require(logs.lines.first { $0.message == "routed" })

        // The root message is its own cause: no causation id, and it starts the correlation.
        #expect(placing.metadata[WakuLogMetadata.Key.messageID] == "\(request.messageId)")
        #expect(placing.metadata[WakuLogMetadata.Key.correlationID] == "\(request.messageId)")
        #expect(placing.metadata[WakuLogMetadata.Key.causationID] == nil)
        #expect(placing.metadata[WakuLogMetadata.Key.messageType] == request.messageType)
        #expect(placing.metadata[WakuLogMetadata.Key.endpoint] == nil)

        for line in [inline, routed] {
            #expect(line.metadata[WakuLogMetadata.Key.messageID] == "\(event.messageId)", "\(line)")
            #expect(line.metadata[WakuLogMetadata.Key.correlationID] == "\(request.messageId)", "\(line)")
            #expect(line.metadata[WakuLogMetadata.Key.causationID] == "\(request.messageId)", "\(line)")
            #expect(line.metadata[WakuLogMetadata.Key.messageType] == event.messageType, "\(line)")
        }
        #expect(inline.metadata[WakuLogMetadata.Key.endpoint] == nil)
        #expect(routed.metadata[WakuLogMetadata.Key.endpoint] == "side")
    }

    @Test("a line inside a bound request id carries it, beside the message's ids; outside both, the provider adds nothing")
    func requestIDAndNothingOutside() async throws {
        let logs = LogCapture()
        let logger = logs.logger(metadataProvider: .waku)
        let app = try await WakuFactory(LogsRoot(logger: logger)).create()
        try await app.initialize()
        _ = try await trackMessages(app) {
            try await WakuLogMetadata.$requestID.withValue("req-7") {
                logger.info("in the request")
                _ = try await app.withContainer { try await $0.get((any ISender).self).invoke(LogPlaceOrder(id: 2)) }
            }
        }
        logger.info("outside")
        try await app.close()

        let request = try #require(logs.lines.first { $0.message == "in the request" })
        #expect(request.metadata == [WakuLogMetadata.Key.httpRequestID: "req-7"])
        for message in ["placing", "inline"] {
            let line = try #require(logs.lines.first { $0.message == message })
            #expect(line.metadata[WakuLogMetadata.Key.httpRequestID] == "req-7", "\(line)")
            #expect(line.metadata[WakuLogMetadata.Key.messageID] != nil, "\(line)")
        }
        let outside = try #require(logs.lines.first { $0.message == "outside" })
        #expect(outside.metadata.isEmpty)
    }

    @Test("metadata given at the call site wins over the provider's")
    func callSiteWins() async throws {
        let logs = LogCapture()
        let logger = logs.logger(metadataProvider: .waku)
        WakuLogMetadata.$requestID.withValue("from-provider") {
            logger.info("line", metadata: [WakuLogMetadata.Key.httpRequestID: "from-call"])
        }
        #expect(logs.lines.first?.metadata[WakuLogMetadata.Key.httpRequestID] == "from-call")
    }

    @Test("stress: concurrent dispatches each log their own ids, never another's")
    func concurrentDispatchesKeepTheirOwnIDs() async throws {
        let logs = LogCapture()
        let app = try await WakuFactory(LogsRoot(logger: logs.logger(metadataProvider: .waku))).create()
        try await app.initialize()
        let count = 200
        let (_, session) = try await trackMessages(app) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in 0..<count {
                    group.addTask {
                        try await WakuLogMetadata.$requestID.withValue("req-\(id)") {
                            _ = try await app.withContainer { try await $0.get((any ISender).self).invoke(LogPlaceOrder(id: id)) }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        try await app.close()

        // Each event's correlation id is its request's message id; every line agrees with its dispatch.
        let roots = Set(session.published.filter { $0.messageType.hasSuffix("LogPlaceOrder") }.map { "\($0.messageId)" })
        let eventRoots = Dictionary(uniqueKeysWithValues: session.published.filter { $0.messageType.hasSuffix("LogOrderPlaced") }
            .map { ("\($0.messageId)", "\($0.correlationId)") })
        #expect(roots.count == count)
        #expect(eventRoots.count == count)
        let lines = logs.lines
        #expect(lines.count == count * 3)
        for line in lines {
            let id = try #require(line.metadata[WakuLogMetadata.Key.messageID], "\(line)")
            let correlation = try #require(line.metadata[WakuLogMetadata.Key.correlationID], "\(line)")
            if line.message == "placing" {
                #expect(id == correlation)
                #expect(roots.contains(id))
            } else {
                #expect(eventRoots[id] == correlation, "\(line)")
            }
        }
        // Inline lines run in the request's task: their request id belongs to the same dispatch.
        let requestOfRoot = Dictionary(uniqueKeysWithValues: lines.filter { $0.message == "placing" }
            .map { ($0.metadata[WakuLogMetadata.Key.messageID] ?? "", $0.metadata[WakuLogMetadata.Key.httpRequestID] ?? "") })
        for line in lines where line.message == "inline" {
            #expect(requestOfRoot[line.metadata[WakuLogMetadata.Key.correlationID] ?? ""] == line.metadata[WakuLogMetadata.Key.httpRequestID])
        }
    }
}
