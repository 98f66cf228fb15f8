#if OpenTelemetry
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WakuTesting

/// waku-http-example with swift-otel and swift-prometheus: one request's trace and the messaging
/// metrics, received by an OTLP/HTTP (JSON) receiver inside this test, with no external collector.
@Suite("waku-http-example exports traces and metrics")
struct ObservabilityProcessTests {
    @Test("one request is one trace: HTTP, invoke, inline handlers and the routed delivery on its worker; /metrics shows the bus")
    func oneTracePerRequest() async throws {
        let receiver = OTLPReceiver()
        var logger = Logger(label: "otlp-receiver")
        logger.logLevel = .critical
        let app = Application(router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await app.test(.live) { receiverClient in
            let receiverPort = try #require(receiverClient.port)
            let example = try ExampleProcess(environment: [
                "OTEL_SDK_DISABLED": "false",
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(receiverPort)",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                "OTEL_TRACES_SAMPLER": "always_on",
                "OTEL_BSP_SCHEDULE_DELAY": "100",
                "OTEL_METRIC_EXPORT_INTERVAL": "500",
            ])
            defer { example.forceStop() }
            let port = try #require(await example.waitForPort(timeout: .seconds(60)), "no port in:\n\(example.output)")
            let client = LoopbackClient(port: port)
            defer { client.close() }

            let placed = try await client.post("/orders", json: #"{"customerId": "customer-9", "items": [{"sku": "tea", "quantity": 1}]}"#)
            #expect(placed.status == 201, "\(placed.text)")

            // The routed delivery ends last; its span arrives in a later batch.
            let spans = try #require(
                await receiver.spans.wait(timeout: .seconds(30)) { spans in spans.contains { $0.name == "handle ArchiveOrder" } },
                "no span of the routed handler arrived; spans: \(receiver.spans.value.map(\.name))\n\(example.output)")
            let byName = Dictionary(spans.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let http = try #require(spans.first { $0.kind == 2 && $0.parentSpanId.isEmpty }, "an HTTP server span: \(spans.map(\.name))")
            let names = ["invoke PlaceOrder", "handle PlaceOrderHandler", "publish OrderPlaced", "handle SendOrderConfirmation",
                         "handle UpdateSalesStats", "handle ArchiveOrder"]
            for name in names {
                let span = try #require(byName[name], "a span '\(name)': \(spans.map(\.name))")
                #expect(span.traceId == http.traceId, "'\(name)' is in the request's trace")
            }
            #expect(byName["invoke PlaceOrder"]?.parentSpanId == http.spanId, "invoke is a child of the HTTP span")
            #expect(byName["handle ArchiveOrder"]?.attributes["waku.endpoint"] == "archive", "the routed handler ran on its endpoint")
            #expect(byName["handle ArchiveOrder"]?.kind == 5, "a consumer span")

            // Prometheus: the same counters the OTLP exporter sends.
            let metrics = try await client.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains("waku_messages_handled_total"), "\(metrics.text.prefix(2000))")
            #expect(metrics.text.contains("waku_messages_dispatched_total"))
            #expect(
                await receiver.metricNames.wait(timeout: .seconds(30)) { $0.contains("waku_messages_handled_total") } != nil,
                "the OTLP metrics export carries the messaging counters: \(receiver.metricNames.value)")
            client.close()

            example.terminate()
            #expect(await example.waitForExit(timeout: .seconds(30)) == 0, "\(example.output)")
        }
    }
}

/// One span as an OTLP/JSON export describes it.
struct ReceivedSpan: Sendable {
    var traceId: String
    var spanId: String
    var parentSpanId: String
    var name: String
    /// OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    var kind: Int
    var attributes: [String: String]
}

/// A value that tests wait on until it satisfies a condition.
final class Watched<Value: Sendable>: Sendable {
    private let probe = Probe()
    private let state: LockedBox<Value>
    init(_ value: Value) { state = LockedBox(value) }
    var value: Value { state.value }
    func update(_ change: (inout Value) -> Void) {
        state.update(change)
        probe.record("changed")
    }
    /// The value once `condition` holds, or `nil` after `timeout`.
    func wait(timeout: Duration, until condition: @escaping @Sendable (Value) -> Bool) async -> Value? {
        let satisfied = await probe.wait(timeout: timeout) { _ in condition(self.value) }
        return satisfied ? value : nil
    }
}

/// A value behind a lock.
final class LockedBox<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `stored` is read and written only while `lock` is held.
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}

/// Accepts OTLP/HTTP exports in JSON (`/v1/traces`, `/v1/metrics`) and keeps what they carry.
final class OTLPReceiver: Sendable {
    let spans = Watched([ReceivedSpan]())
    let metricNames = Watched(Set<String>())

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            let spans = Self.spans(in: Data(String(buffer: body).utf8))
            self.spans.update { $0 += spans }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        router.post("/v1/metrics") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            let names = Self.metricNames(in: Data(String(buffer: body).utf8))
            self.metricNames.update { $0.formUnion(names) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        router.post("/v1/logs") { _, _ in Response(status: .ok) }
        return router
    }

    static func spans(in data: Data) -> [ReceivedSpan] {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        var result: [ReceivedSpan] = []
        for resource in root["resourceSpans"] as? [[String: Any]] ?? [] {
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    var attributes: [String: String] = [:]
                    for attribute in span["attributes"] as? [[String: Any]] ?? [] {
                        if let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any],
                           let text = value["stringValue"] as? String {
                            attributes[key] = text
                        }
                    }
                    result.append(ReceivedSpan(
                        traceId: span["traceId"] as? String ?? "", spanId: span["spanId"] as? String ?? "",
                        parentSpanId: span["parentSpanId"] as? String ?? "", name: span["name"] as? String ?? "",
                        kind: Self.kind(span["kind"]), attributes: attributes))
                }
            }
        }
        return result
    }

    /// OTLP/JSON writes enums as numbers; accept the names too.
    static func kind(_ value: Any?) -> Int {
        if let number = value as? Int { return number }
        let names = ["SPAN_KIND_INTERNAL": 1, "SPAN_KIND_SERVER": 2, "SPAN_KIND_CLIENT": 3, "SPAN_KIND_PRODUCER": 4, "SPAN_KIND_CONSUMER": 5]
        return (value as? String).flatMap { names[$0] } ?? 0
    }

    static func metricNames(in data: Data) -> Set<String> {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        var names = Set<String>()
        for resource in root["resourceMetrics"] as? [[String: Any]] ?? [] {
            for scope in resource["scopeMetrics"] as? [[String: Any]] ?? [] {
                for metric in scope["metrics"] as? [[String: Any]] ?? [] {
                    if let name = metric["name"] as? String { names.insert(name) }
                }
            }
        }
        return names
    }
}
#endif
