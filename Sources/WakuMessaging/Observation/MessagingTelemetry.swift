import Metrics
import Tracing
import Foundation
import Waku

/// The tracing and metrics backends messaging reports to, decided once at start-up so that an
/// application without a bootstrapped backend pays nothing on the dispatch path.
final class MessagingTelemetry: Sendable {
    /// `nil` when neither the config nor `InstrumentationSystem` provides a real tracer.
    let tracer: (any Tracer)?
    /// `nil` when neither the config nor `MetricsSystem` provides a real backend.
    let metrics: MessagingMetrics?

    init(tracer: (any Tracer)?, metricsFactory: (any MetricsFactory)?) {
        if let tracer {
            self.tracer = tracer
        } else {
            let global = InstrumentationSystem.tracer
            self.tracer = global is NoOpTracer ? nil : global
        }
        if let metricsFactory {
            metrics = MessagingMetrics(factory: metricsFactory)
        } else {
            let global = MetricsSystem.factory
            metrics = global is NOOPMetricsHandler ? nil : MessagingMetrics(factory: global)
        }
    }

    /// Runs a dispatch inside a span and carries the span's context in the envelope headers
    /// (W3C `traceparent` with a W3C propagator such as swift-otel's), so routed and durable
    /// handlers continue the caller's trace, even in another process.
    func withDispatchSpan<T: Tracer, R>(
        _ tracer: T, _ envelope: MessageEnvelope, verb: String, isolation: isolated (any Actor)? = #isolation,
        _ body: (MessageEnvelope) async throws -> R
    ) async throws -> R {
        let span = tracer.startSpan("\(verb) \(shortName(envelope.messageType))", context: ServiceContext.current ?? .topLevel, ofKind: .producer)
        defer { span.end() }
        span.attributes[WakuLogMetadata.Key.messageID] = envelope.messageId.uuidString
        span.attributes[WakuLogMetadata.Key.correlationID] = envelope.correlationId.uuidString
        span.attributes[WakuLogMetadata.Key.messageType] = envelope.messageType
        var carried = envelope
        tracer.inject(span.context, into: &carried.headers, using: HeaderInjector())
        do {
            return try await ServiceContext.$current.withValue(span.context) { try await body(carried) }
        } catch {
            span.recordError(error)
            throw error
        }
    }

    /// Runs one handler execution inside a span. Routed executions take their parent from the
    /// envelope headers; inline ones from the current task.
    func withHandlerSpan<T: Tracer, R>(
        _ tracer: T, _ envelope: MessageEnvelope, handler: String, endpoint: String?,
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R
    ) async throws -> R {
        var parent = ServiceContext.current ?? .topLevel
        if endpoint != nil {
            parent = .topLevel
            tracer.extract(envelope.headers, into: &parent, using: HeaderExtractor())
        }
        let span = tracer.startSpan("handle \(handler)", context: parent, ofKind: endpoint == nil ? .internal : .consumer)
        defer { span.end() }
        span.attributes[WakuLogMetadata.Key.messageID] = envelope.messageId.uuidString
        span.attributes[WakuLogMetadata.Key.messageType] = envelope.messageType
        span.attributes[WakuLogMetadata.Key.handler] = handler
        if let endpoint { span.attributes[WakuLogMetadata.Key.endpoint] = endpoint }
        do {
            return try await ServiceContext.$current.withValue(span.context) { try await body() }
        } catch {
            span.recordError(error)
            throw error
        }
    }

    private func shortName(_ type: String) -> String {
        type.split(separator: ".").last.map(String.init) ?? type
    }
}

struct HeaderInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

struct HeaderExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}
