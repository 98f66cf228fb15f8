#if Hummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import Waku
import WakuHummingbird
import WakuMessaging
import WakuTesting

struct LoggedRequest: IRequest { typealias Response = String }

/// Logs plainly; the metadata provider adds the request's and the message's ids.
final class LoggedRequestHandler: RequestHandler {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
    func handle(_ request: LoggedRequest) async throws -> String {
        logger.info("handler")
        return MessageContext.current.map { "\($0.messageId)" } ?? ""
    }
}

struct LoggedModule: Module {
    let logger: Logger
    var providers: [Provider] { [object(logger)] }
    var imports: [any Module] { [MessagingModule.register()] }
    var extensions: [any ModuleExtension] { [MessagingExtension().bindRequest(LoggedRequest.self, LoggedRequestHandler.init)] }
}

/// What `/logged` answers: the ids the client checks the log lines against.
struct LoggedReply: Codable, ResponseEncodable {
    let requestID: String
    let messageID: String
}

@Suite("Correlated logs in a Hummingbird request")
struct HummingbirdCorrelatedLogsTests {
    @Test("over loopback, the route's and the invoked handler's lines carry the request id; the handler's also the message's ids")
    func linesCarryRequestAndMessageIDs() async throws {
        let logs = LogCapture()
        let logger = logs.logger(metadataProvider: .waku)
        try await withTestApp(base: LoggedModule(logger: logger)) { waku in
            let router = Router(context: BasicWakuRequestContext.self)
            router.add(middleware: WakuScopeMiddleware(app: waku))
            router.get("/logged") { _, context -> LoggedReply in
                context.logger.info("route")
                let messageID = try await context.bus.invoke(LoggedRequest())
                return LoggedReply(requestID: context.requestID?.value ?? "", messageID: messageID)
            }
            let app = Application(router: router, logger: logger)
            let replies = try await app.test(.live) { client in
                var replies: [LoggedReply] = []
                for _ in 0..<2 {
                    replies.append(try await client.execute(uri: "/logged", method: .get) { response in
                        #expect(response.status == .ok)
                        return try decode(LoggedReply.self, response.body)
                    })
                }
                return replies
            }
            #expect(Set(replies.map(\.requestID)).count == 2)
            for reply in replies {
                let route = try #require(logs.lines.first {
                    $0.message == "route" && $0.metadata[WakuLogMetadata.Key.httpRequestID] == reply.requestID
                })
                // Hummingbird's own key and ours name the same request.
                #expect(route.metadata["hb.request.id"] == reply.requestID)
                #expect(route.metadata[WakuLogMetadata.Key.messageID] == nil)

                let handler = try #require(logs.lines.first {
                    $0.message == "handler" && $0.metadata[WakuLogMetadata.Key.httpRequestID] == reply.requestID
                })
                #expect(handler.metadata[WakuLogMetadata.Key.messageID] == reply.messageID)
                #expect(handler.metadata[WakuLogMetadata.Key.correlationID] == reply.messageID)
                #expect(handler.metadata[WakuLogMetadata.Key.messageType]?.hasSuffix("LoggedRequest") == true)
            }
        }
    }
}
#endif
