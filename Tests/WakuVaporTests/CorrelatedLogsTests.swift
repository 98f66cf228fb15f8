#if Vapor
import Foundation
import Logging
import Testing
import Vapor
import VaporTesting
import Waku
import WakuMessaging
import WakuTesting
import WakuVapor

struct VaporLoggedRequest: IRequest { typealias Response = String }

/// Logs plainly; the metadata provider adds the request's and the message's ids.
final class VaporLoggedRequestHandler: RequestHandler {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
    func handle(_ request: VaporLoggedRequest) async throws -> String {
        logger.info("handler")
        return MessageContext.current.map { "\($0.messageId)" } ?? ""
    }
}

struct VaporLoggedModule: Module {
    let logger: Logger
    var providers: [Provider] { [object(logger)] }
    var extensions: [any ModuleExtension] {
        [MessagingExtension().bindRequest(VaporLoggedRequest.self, VaporLoggedRequestHandler.init)]
    }
}

@Suite("Correlated logs in a Vapor request")
struct VaporCorrelatedLogsTests {
    @Test("over loopback, a route's and an invoked handler's lines carry Vapor's request id; the handler's also the message ids")
    func linesCarryRequestAndMessageIDs() async throws {
        let logs = LogCapture()
        let logger = logs.logger(metadataProvider: .waku)
        let probe = Probe()
        try await withWakuApp(
            probe: probe, imports: [VaporLoggedModule(logger: logger)],
            routes: { app in
                app.get("logged") { request async throws -> String in
                    logger.info("route")
                    return try await request.waku.bus.invoke(VaporLoggedRequest())
                }
            }
        ) { app, _ in
            let tester = try loopback(app)
            var messageIDs: [String: String] = [:]
            for id in ["vapor-a", "vapor-b"] {
                try await tester.test(.GET, "/logged", headers: ["X-Request-Id": id]) { response in
                    #expect(response.status == .ok)
                    messageIDs[id] = response.body.string
                }
            }
            for (requestID, messageID) in messageIDs {
                let route = try #require(logs.lines.first {
                    $0.message == "route" && $0.metadata[WakuLogMetadata.Key.httpRequestID] == requestID
                }, "a route line with \(requestID): \(logs.lines.map(\.metadata))")
                #expect(route.metadata[WakuLogMetadata.Key.messageID] == nil)
                let handler = try #require(logs.lines.first {
                    $0.message == "handler" && $0.metadata[WakuLogMetadata.Key.httpRequestID] == requestID
                }, "a handler line with \(requestID)")
                #expect(handler.metadata[WakuLogMetadata.Key.messageID] == messageID)
                #expect(handler.metadata[WakuLogMetadata.Key.correlationID] == messageID)
            }
            #expect(!logs.lines.contains { $0.message == "route" && $0.metadata[WakuLogMetadata.Key.httpRequestID] == nil })
        }
    }
}
#endif
