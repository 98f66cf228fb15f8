#if Vapor
import Foundation
import Logging
import Vapor
import Waku
import WakuMessaging
import WakuOrdersExample
import WakuVapor

// waku-vapor-example: the orders scenario (WakuOrdersExample) over HTTP, served by Vapor.
//
//   POST /orders        {"customerId": "c-7", "items": [{"sku": "tea", "quantity": 2}]}
//   GET  /orders/{id}   the order, or 404
//   GET  /stats         what the two OrderPlaced handlers did
//
// The WakuApplication runs in Vapor's lifecycle (`app.waku.use`): it is initialized when Vapor
// boots, before the server accepts a request. SIGTERM or SIGINT shuts down gracefully: the server
// stops first (finishing requests in flight), then the Waku app closes.

// Every line logged while a request or a message is handled carries its ids (`http.request.id`,
// `waku.message.id`, …) through the `.waku` metadata provider.
LoggingSystem.bootstrap(StreamLogHandler.standardError, metadataProvider: .waku)

let logger = ExampleEnvironment.logger(label: "waku-vapor-example")
let port = ExampleEnvironment.port(logger: logger)

let app: Application
do {
    // Vapor's own arguments (`serve`, `routes`, `--env`) still work: `waku-vapor-example routes`.
    app = try await Application.make(.detect(), logger: logger)
} catch {
    logger.critical("Vapor did not start: \(error)")
    exit(1)
}

do {
    app.waku.use(try await WakuFactory(AppModule(logger: logger, requestContext: HTTPRequestContextModule())).create())
    app.middleware.use(WakuScopeMiddleware())
    app.http.server.configuration.hostname = "127.0.0.1"
    app.http.server.configuration.port = port
    app.http.server.configuration.serverName = "waku-vapor-example"
    app.http.server.configuration.logger = logger
    addRoutes(to: app)
    try await app.execute()
} catch {
    logger.error("Stopped with an error: \(error)")
    try? await app.asyncShutdown()
    exit(1)
}
try await app.asyncShutdown()
logger.info("waku-vapor-example stopped")
#else
import Foundation

// Built without the trait this program needs: say how to build it instead of failing to compile.
FileHandle.standardError.write(Data("waku-vapor-example needs the Vapor trait: swift run --traits Vapor waku-vapor-example\n".utf8))
exit(2)
#endif
