#if Hummingbird
import Atomics
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import HummingbirdTesting
import Testing
import Waku
import WakuDashboard
import WakuMessaging
import WakuTesting

/// A message whose payload is hostile HTML, so every page must escape it.
struct Parcel: IEvent, Codable {
    let label: String
}

/// Fails every delivery while `failing` is on; counts the ones it handled.
final class Gate: Sendable {
    let failing = ManagedAtomic(true)
    let handled = ManagedAtomic(0)
}

struct GateDown: Error, CustomStringConvertible {
    var description: String { "gate closed <b>for now</b>" }
}

final class Deliver: EventHandler {
    private let gate: Gate
    init(gate: Gate) { self.gate = gate }

    func handle(_ event: Parcel) async throws {
        if gate.failing.load(ordering: .relaxed) { throw GateDown() }
        gate.handled.wrappingIncrement(ordering: .relaxed)
    }
}

struct GateModule: Module {
    let gate: Gate
    var providers: [Provider] { [object(gate)] }
    var exports: [Export] { [.type(Gate.self)] }
}

struct DeliveryModule: Module {
    let gate: Gate
    var imports: [any Module] { [GateModule(gate: gate)] }
    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(Parcel.self, Deliver.init)] }
}

/// An app whose one handler is routed to `endpoint` (a local queue, or durable on `store`),
/// dead-lettering on the first failure.
struct DashboardAppModule: Module {
    let gate: Gate
    let endpoint: EndpointConfig
    let store: (any DurableStore)?
    var imports: [any Module] {
        [
            MessagingModule.register(MessagingConfig(
                endpoints: [endpoint],
                routing: [routeModule(DeliveryModule.self).eventsTo(endpoint.name)],
                durableStore: store)),
            DeliveryModule(gate: gate),
        ]
    }
}

/// The dashboard of a started app, served by Hummingbird on a real loopback port.
func withDashboard(
    endpoint: EndpointConfig, store: (any DurableStore)? = nil,
    _ body: @Sendable (WakuApplication, Gate, any TestClientProtocol) async throws -> Void
) async throws {
    let gate = Gate()
    let waku = try await WakuFactory(DashboardAppModule(gate: gate, endpoint: endpoint, store: store)).create()
    try await waku.initialize()
    do {
        let router = Router()
        router.addWakuDashboard(WakuDashboard(application: waku, path: "/ops/"))
        var logger = Logger(label: "dashboard-tests")
        logger.logLevel = .critical
        let http = Application(router: router, logger: logger)
        try await http.test(.live) { client in try await body(waku, gate, client) }
    } catch {
        try? await waku.close()
        throw error
    }
    try await waku.close()
}

func publish(_ waku: WakuApplication, _ parcel: Parcel) async throws {
    try await waku.withContainer { container in try await container.get((any IPublisher).self).publish(parcel) }
}

/// The page at `uri`, which must answer `status`.
func page(_ client: some TestClientProtocol, _ uri: String, status: HTTPResponse.Status = .ok) async throws -> String {
    try await client.execute(uri: uri, method: .get) { response in
        #expect(response.status == status, "GET \(uri)")
        return String(buffer: response.body)
    }
}

/// POSTs a form; returns the status and the Location header.
func submit(
    _ client: some TestClientProtocol, _ uri: String, _ fields: [(String, String)], headers: HTTPFields = [:]
) async throws -> (HTTPResponse.Status, String?) {
    var allHeaders = headers
    allHeaders[.contentType] = "application/x-www-form-urlencoded"
    let body = fields.map { "\(form($0.0))=\(form($0.1))" }.joined(separator: "&")
    return try await client.execute(uri: uri, method: .post, headers: allHeaders, body: ByteBuffer(string: body)) { response in
        (response.status, response.headers[.location])
    }
}

private func form(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}

/// The `data-ref` values of the dead-letter rows on a list page.
func references(in html: String) -> [String] {
    html.components(separatedBy: "data-ref=\"").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
}

/// The text of an endpoint row's `field` cell, tags removed.
func field(_ field: String, of endpoint: String, in html: String) -> String? {
    guard let row = html.range(of: "data-endpoint=\"\(endpoint)\"") else { return nil }
    let rest = html[row.upperBound...]
    guard let cell = rest.range(of: "data-field=\"\(field)\">"), let end = rest[cell.upperBound...].range(of: "</td>") else { return nil }
    return rest[cell.upperBound..<end.lowerBound].replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
}

/// Polls `condition` until it holds; the work it waits for runs on endpoint workers.
func eventually(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting until \(what)")
            return
        }
        try await Task.sleep(for: .milliseconds(25))
    }
}
#endif
