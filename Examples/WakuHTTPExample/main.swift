#if Hummingbird
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import Waku
import WakuHummingbird
import WakuMessaging

// waku-http-example: the orders scenario over HTTP.
//
//   POST /orders        {"customerId": "c-7", "items": [{"sku": "tea", "quantity": 2}]}
//   GET  /orders/{id}   the order, or 404
//   GET  /stats         what the two OrderPlaced handlers did
//
// The WakuApplication and the Hummingbird server run in one ServiceGroup. SIGTERM or SIGINT shuts
// down gracefully: the server stops first (finishing requests in flight), then the Waku app closes.

// Every line logged while a request or a message is handled carries its ids (`http.request.id`,
// `waku.message.id`, `waku.message.correlation_id`, …) through the `.waku` metadata provider:
// handlers log plainly and never add them by hand.
LoggingSystem.bootstrap(StreamLogHandler.standardError, metadataProvider: .waku)

var logger = Logger(label: "waku-http-example")
logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info

let portText = ProcessInfo.processInfo.environment["PORT"] ?? "8080"
guard let port = Int(portText), (0...65_535).contains(port) else {
    logger.critical("PORT must be a number from 0 to 65535, not '\(portText)'")
    exit(64)
}

let observability: Observability
do {
    observability = try Observability.bootstrap(serviceName: "waku-http-example", logger: logger)
} catch {
    logger.critical("Tracing and metrics could not start: \(error)")
    exit(1)
}

let waku: WakuApplication
do {
    waku = try await WakuFactory(AppModule(logger: logger, observability: observability)).create()
    // Initialize before the server accepts its first request; the ServiceGroup's `waku.run()` then
    // finds it initialized and only waits for shutdown.
    try await waku.initialize()
} catch {
    logger.critical("The application did not start: \(error)")
    exit(1)
}

// `.http1WithHTTP10KeepAlive()` rather than Hummingbird's `.http1()`: an HTTP/1.0 request (`ab`
// without `-k`, many health checks) gets `Connection: close` and its connection closes after the
// response, where `.http1()` would keep it open until the client gives up.
let http = Application(
    router: makeRouter(waku: waku, observability: observability),
    server: .http1WithHTTP10KeepAlive(),
    configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: "waku-http-example"),
    logger: logger)

// Services shut down in reverse order: the HTTP server first, then the Waku application, then
// the exporters, which flush what is left.
let services = ServiceGroup(
    configuration: ServiceGroupConfiguration(
        services: observability.services + [waku, http], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
do {
    try await services.run()
} catch {
    logger.error("Stopped with an error: \(error)")
    try? await waku.close()
    exit(1)
}
try await waku.close()  // already closed by the group; closing again does nothing
logger.info("waku-http-example stopped")
#else
import Foundation

// Built without the trait this program needs: say how to build it instead of failing to compile.
FileHandle.standardError.write(Data("waku-http-example needs the Hummingbird trait: swift run --traits Hummingbird waku-http-example\n".utf8))
exit(2)
#endif
