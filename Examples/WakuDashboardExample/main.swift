#if Hummingbird && SQLite
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import Waku
import WakuDashboard
import WakuMessaging
import WakuSQLite

// waku-dashboard-example: a shop with a local queue and a durable SQLite endpoint, and the
// operator dashboard mounted at /waku.
//
//   POST /orders?customer=NAME   publishes OrderPlaced; customer "outage" fails both handlers
//   POST /outage/end             repairs the warehouse, so replays succeed
//   GET  /waku                   the dashboard (HTTP Basic, user "operator", when
//                                WAKU_DASHBOARD_PASSWORD is set)
//
// Environment: PORT (default 8080; 0 picks a free port, printed as "listening on PORT"),
// WAKU_DASHBOARD_DATA (the SQLite file's folder; default: a temporary one, removed at exit),
// WAKU_DASHBOARD_PASSWORD.

// `.waku`: a line logged while a message is handled carries its ids (`waku.message.id`, …).
LoggingSystem.bootstrap(StreamLogHandler.standardError, metadataProvider: .waku)

var logger = Logger(label: "waku-dashboard-example")
logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
let environment = ProcessInfo.processInfo.environment

let portText = environment["PORT"] ?? "8080"
guard let port = Int(portText), (0...65_535).contains(port) else {
    logger.critical("PORT must be a number from 0 to 65535, not '\(portText)'")
    exit(64)
}

let chosenFolder = environment["WAKU_DASHBOARD_DATA"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
let folder = chosenFolder
    ?? FileManager.default.temporaryDirectory.appendingPathComponent("waku-dashboard-\(ProcessInfo.processInfo.processIdentifier)")
do {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
} catch {
    logger.critical("Cannot create the data folder \(folder.path): \(error)")
    exit(1)
}
defer { if chosenFolder == nil { try? FileManager.default.removeItem(at: folder) } }

let store = SQLiteDurableStore(path: folder.appendingPathComponent("shop.sqlite").path, logger: logger)
let waku: WakuApplication
do {
    waku = try await WakuFactory(ShopModule(store: store), logger: logger).create()
    try await waku.initialize()
} catch {
    logger.critical("The application did not start: \(error)")
    exit(1)
}

let router = Router()
router.post("/orders") { request, _ -> String in
    let customer = request.uri.queryParameters.get("customer") ?? "anonymous"
    let order = OrderPlaced(orderId: UUID().uuidString.prefix(8).lowercased(), customer: customer)
    try await waku.withContainer { container in
        try await container.get((any IPublisher).self).publish(order)
    }
    return order.orderId
}
router.post("/outage/end") { _, _ -> String in
    try await waku.container.get(Warehouse.self).end()
    return "repaired"
}
router.get("/health") { _, _ in HTTPResponse.Status.ok }

// The dashboard: off unless mounted, and mounted behind authentication when a password is set.
let dashboard = WakuDashboard(application: waku, path: "/waku")
if let password = environment["WAKU_DASHBOARD_PASSWORD"], !password.isEmpty {
    router.group().add(middleware: OperatorsOnly(password: password)).addWakuDashboard(dashboard)
} else {
    logger.warning("WAKU_DASHBOARD_PASSWORD is not set: the dashboard at /waku is open to anyone who reaches 127.0.0.1")
    router.addWakuDashboard(dashboard)
}

// Hummingbird logs "Server started and listening on 127.0.0.1:PORT", also for PORT=0.
let http = Application(
    router: router,
    configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: "waku-dashboard-example"),
    logger: logger)
let services = ServiceGroup(
    configuration: ServiceGroupConfiguration(services: [waku, http], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
do {
    try await services.run()
} catch {
    logger.error("Stopped with an error: \(error)")
}
try? await waku.close()
await store.shutdown()
#else
import Foundation

// Built without the traits this program needs: say how to build it instead of failing to compile.
FileHandle.standardError.write(
    Data("waku-dashboard-example needs the Hummingbird and SQLite traits: swift run --traits SQLite,Hummingbird waku-dashboard-example\n".utf8))
exit(2)
#endif
