#if Hummingbird
import Foundation
import Hummingbird
import Logging
import Metrics
import ServiceLifecycle
import Tracing
import WakuHummingbird
#if OpenTelemetry
import OTel
import Prometheus
#endif

/// Where the example's traces and metrics go.
///
/// With the `OpenTelemetry` trait: traces and metrics are exported over OTLP/HTTP by swift-otel
/// (configured with the standard `OTEL_*` variables, e.g. `OTEL_EXPORTER_OTLP_ENDPOINT`;
/// `OTEL_SDK_DISABLED=true` turns it off), and metrics are also served at `GET /metrics` for
/// Prometheus by swift-prometheus. Without it, nothing is recorded.
struct Observability {
    /// The tracer for Hummingbird's `TracingMiddleware` and for the message bus.
    let tracer: (any Tracer)?
    /// The metrics factory for the message bus (and `MetricsSystem`).
    let metrics: (any MetricsFactory)?
    /// Background work the `ServiceGroup` runs: the exporters, which flush at shutdown.
    let services: [any Service]
    /// Adds `GET /metrics` to `router`, if Prometheus is on.
    let addMetricsRoute: @Sendable (Router<BasicWakuRequestContext>) -> Void

    /// Bootstraps the process-wide metrics and instrumentation systems; call it once, first.
    static func bootstrap(serviceName: String, logger: Logger) throws -> Observability {
        #if OpenTelemetry
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.logs.enabled = false  // logs go to the console
        if ProcessInfo.processInfo.environment["OTEL_SDK_DISABLED"] == "true" {
            return Observability(tracer: nil, metrics: nil, services: [], addMetricsRoute: { _ in })
        }
        let (tracer, tracing) = try OTel.makeTracingBackend(configuration: configuration)
        let (otlpMetrics, metricsExport) = try OTel.makeMetricsBackend(configuration: configuration)
        let registry = PrometheusCollectorRegistry()
        let metrics = MultiplexMetricsHandler(factories: [otlpMetrics, PrometheusMetricsFactory(registry: registry)])
        MetricsSystem.bootstrap(metrics)
        InstrumentationSystem.bootstrap(tracer)
        logger.info("exporting traces and metrics over OTLP; Prometheus metrics at /metrics")
        return Observability(
            tracer: tracer, metrics: metrics, services: [tracing, metricsExport],
            addMetricsRoute: { router in
                router.get("/metrics") { _, _ -> Response in
                    Response(
                        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
                }
            })
        #else
        return Observability(tracer: nil, metrics: nil, services: [], addMetricsRoute: { _ in })
        #endif
    }
}
#endif
