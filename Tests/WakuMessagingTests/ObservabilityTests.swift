import Foundation
import InMemoryTracing
import Logging
import MetricsTestKit
import Testing
import Tracing
import Waku
import WakuMessaging
import WakuTesting

// Observability: metrics through swift-metrics, spans through swift-distributed-tracing, logs
// through an injected swift-log Logger, and observer hooks. Every backend here is in memory and
// injected through MessagingConfig, so no test touches the global bootstraps.

struct ObsPlaced: IEvent { let id: Int }
struct ObsQuery: IRequest { typealias Response = Int; let value: Int }

final class ObsCounter: Sendable {
    private let value = Locked(0)
    func increment() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

final class ObsInline: EventHandler {
    let counter: ObsCounter
    init(counter: ObsCounter) { self.counter = counter }
    func handle(_ event: ObsPlaced) async throws { counter.increment() }
}

final class ObsRouted: EventHandler {
    let failing: ObsFailing
    init(failing: ObsFailing) { self.failing = failing }
    func handle(_ event: ObsPlaced) async throws {
        if failing.value { throw ObsError() }
    }
}

final class ObsFailing: Sendable {
    let value: Bool
    init(_ value: Bool) { self.value = value }
}

struct ObsError: Error, CustomStringConvertible { var description: String { "observability test failure" } }

final class ObsQueryHandler: RequestHandler {
    func handle(_ request: ObsQuery) async throws -> Int { request.value * 2 }
}

/// Its event handlers are routed to "side" by a module route.
struct ObsFeature: Module {
    let failing: Bool
    var providers: [Provider] { [object(ObsFailing(failing)), scoped(ObsRouted.init)] }
    var extensions: [any ModuleExtension] {
        [MessagingExtension().bindEvent(ObsPlaced.self, [ObsRouted.self])]
    }
}

/// Not routed: its handlers run inline.
struct ObsInlineModule: Module {
    var providers: [Provider] { [object(ObsCounter()), scoped(ObsInline.init)] }
    var extensions: [any ModuleExtension] {
        [MessagingExtension()
            .bindEvent(ObsPlaced.self, [ObsInline.self])
            .bindRequest(ObsQuery.self, ObsQueryHandler.init)]
    }
}

struct ObsRoot: Module {
    let config: MessagingConfig
    let failing: Bool
    var imports: [any Module] { [MessagingModule.register(config), ObsInlineModule(), ObsFeature(failing: failing)] }
}

func obsConfig(
    metrics: TestMetrics? = nil, tracer: InMemoryTracer? = nil, logger: Logger? = Logger(label: "test")
) -> MessagingConfig {
    MessagingConfig(
        endpoints: [.localQueue("side", errorPolicy: .retry(1, backoff: .milliseconds(1)))],
        routing: [routeModule(ObsFeature.self).eventsTo("side"), route(ObsQuery.self).to("side")],
        logger: logger, metricsFactory: metrics, tracer: tracer)
}

// Routing ObsQuery (a request) makes `send` go to "side" while `invoke` stays inline; but a
// module route only routes events, so the per-type route is what routes it.

@Suite("Observability", .timeLimit(.minutes(1)))
struct ObservabilityTests {
    @Test("metrics: dispatched, handled, failed, retried and dead-lettered counters by type and endpoint, a duration timer, gauges")
    func metrics() async throws {
        let metrics = TestMetrics()
        let app = try await WakuFactory(ObsRoot(config: obsConfig(metrics: metrics), failing: true)).create()
        try await app.initialize()
        let runtime = try await app.container.get(MessagingRuntime.self)
        #expect(runtime.isRecordingMetrics)
        _ = try await trackMessages(app) {
            try await app.withContainer { container in
                try await container.get((any IPublisher).self).publish(ObsPlaced(id: 1))
                #expect(try await container.get((any ISender).self).invoke(ObsQuery(value: 4)) == 8)
            }
        }
        try await app.close()
        let placed = MessageTypeName.of(ObsPlaced.self)
        #expect(metrics.counterTotal(label: "waku_messages_dispatched_total", dimensions: [("message_type", placed)]) == 1)
        #expect(metrics.counterTotal(label: "waku_messages_handled_total", dimensions: [("message_type", placed), ("endpoint", "inline")]) == 1)
        // The routed handler fails twice (1 retry), so: 2 failures, 1 retry, 1 dead letter.
        #expect(metrics.counterTotal(label: "waku_messages_failed_total", dimensions: [("message_type", placed), ("endpoint", "side")]) == 2)
        #expect(metrics.counterTotal(label: "waku_messages_retried_total", dimensions: [("message_type", placed), ("endpoint", "side")]) == 1)
        #expect(metrics.counterTotal(label: "waku_messages_dead_lettered_total", dimensions: [("message_type", placed), ("endpoint", "side")]) == 1)
        let timers = metrics.timers(label: "waku_handler_duration_seconds")
        #expect(timers.contains { $0.dimensions.contains { $0 == ("handler", "ObsInline") } && !$0.values.isEmpty })
        #expect(timers.contains { $0.dimensions.contains { $0 == ("handler", "ObsQueryHandler") } })
        // Gauges are sampled from the moment endpoints start.
        #expect(metrics.recorders(label: "waku_endpoint_queue_depth").contains { $0.dimensions.contains { $0 == ("endpoint", "side") } })
        #expect(metrics.recorders(label: "waku_endpoint_in_flight").count == 1)
    }

    @Test("without a metrics backend or tracer, nothing is recorded and no observer runs")
    func nothingWithoutBackends() async throws {
        let app = try await WakuFactory(ObsRoot(config: obsConfig(), failing: false)).create()
        try await app.initialize()
        let runtime = try await app.container.get(MessagingRuntime.self)
        #expect(!runtime.isRecordingMetrics)
        #expect(!runtime.isTracing)
        try await app.close()
    }

    @Test("tracing: one span per dispatch and per handler; routed handlers continue the caller's trace from the envelope headers")
    func tracing() async throws {
        let tracer = InMemoryTracer()
        let app = try await WakuFactory(ObsRoot(config: obsConfig(tracer: tracer), failing: false)).create()
        try await app.initialize()
        #expect(try await app.container.get(MessagingRuntime.self).isTracing)
        let (_, session) = try await trackMessages(app) {
            try await app.withContainer { container in
                try await container.get((any IPublisher).self).publish(ObsPlaced(id: 2))
            }
        }
        try await app.close()
        let spans = tracer.finishedSpans
        let dispatch = try #require(spans.first { $0.operationName == "publish ObsPlaced" })
        let inline = try #require(spans.first { $0.operationName == "handle ObsInline" })
        let routed = try #require(spans.first { $0.operationName == "handle ObsRouted" })
        #expect(inline.traceID == dispatch.traceID)
        #expect(routed.traceID == dispatch.traceID)
        #expect(inline.spanContext.parentSpanID == dispatch.spanID)
        #expect(routed.spanContext.parentSpanID == dispatch.spanID)
        // The trace travels in the routed delivery's envelope headers.
        let routedRun = try #require(session.handled.first { $0.endpoint == "side" })
        #expect(routedRun.envelope.headers[InMemoryTracer.traceIDKey] == dispatch.traceID)
    }

    @Test("logs go through the injected Logger with message id, correlation id, type, handler, endpoint and attempt")
    func logging() async throws {
        let logs = LogCapture()
        let logger = logs.logger(label: "captured")
        let app = try await WakuFactory(ObsRoot(config: obsConfig(logger: logger), failing: true)).create()
        let (envelope, failures) = try await publishFailing(app, logs: logs)
        #expect(failures.count == 3)  // retry warning, final failure warning, dead-letter error
        let deadLetter = try #require(failures.first { $0.level == .error })
        #expect(deadLetter.metadata["waku.message.id"] == "\(envelope.messageId)")
        #expect(deadLetter.metadata["waku.message.correlation_id"] == "\(envelope.correlationId)")
        #expect(deadLetter.metadata["waku.message.type"] == envelope.messageType)
        #expect(deadLetter.metadata["waku.endpoint"] == "side")
        #expect(deadLetter.metadata["waku.attempt"] == "2")
    }

    @Test("without a logger of its own, messaging logs through the logger given to WakuFactory")
    func appLoggerIsTheDefault() async throws {
        let logs = LogCapture()
        let logger = logs.logger(label: "app")
        var config = obsConfig()
        config.logger = nil
        let app = try await WakuFactory(ObsRoot(config: config, failing: true), logger: logger).create()
        let (envelope, failures) = try await publishFailing(app, logs: logs)
        #expect(failures.count == 3)  // retry warning, final failure warning, dead-letter error
        #expect(failures.allSatisfy { $0.metadata["waku.message.id"] == "\(envelope.messageId)" })
    }

    /// Publishes one event whose routed handler always fails, runs the app to completion, and
    /// returns the envelope with the log records about that handler.
    private func publishFailing(
        _ app: WakuApplication, logs: LogCapture
    ) async throws -> (MessageEnvelope, [LogCapture.Line]) {
        try await app.initialize()
        let (_, session) = try await trackMessages(app) {
            try await app.withContainer { container in
                try await container.get((any IPublisher).self).publish(ObsPlaced(id: 3))
            }
        }
        try await app.close()
        let envelope = try #require(session.published.first)
        return (envelope, logs.lines.filter { $0.metadata["waku.handler"] == "ObsRouted" })
    }

    @Test("observer hooks see dispatch start, handler end with duration, and failures without writing a behavior")
    func observerHooks() async throws {
        final class Hooks: MessageObserver, @unchecked Sendable {
            // @unchecked: `events` is guarded by its Locked box.
            let events = Locked<[String]>([])
            func dispatchStarted(_ envelope: MessageEnvelope) {
                events.withLock { $0.append("start \(envelope.messageType.split(separator: ".").last ?? "")") }
            }
            func handlerFinished(_ envelope: MessageEnvelope, handler: String, endpoint: String?, duration: Duration, error: (any Error)?) {
                events.withLock { $0.append("end \(handler) \(endpoint ?? "inline") \(error == nil ? "ok" : "failed") \(duration >= .zero)") }
            }
        }
        let hooks = Hooks()
        let app = try await WakuFactory(ObsRoot(config: obsConfig(), failing: false)).create()
        try await app.initialize()
        try await app.container.get(MessagingRuntime.self).addObserver(hooks)
        _ = try await trackMessages(app) {
            try await app.withContainer { container in
                try await container.get((any IPublisher).self).publish(ObsPlaced(id: 4))
            }
        }
        try await app.close()
        let events = hooks.events.withLock { $0 }
        #expect(events.first == "start ObsPlaced")
        #expect(events.contains("end ObsInline inline ok true"))
        #expect(events.contains("end ObsRouted side ok true"))
    }

    @Test func aRemovedObserverHearsNothingMoreAndCanBeAddedAgain() async throws {
        final class Hooks: MessageObserver, @unchecked Sendable {
            // @unchecked: `events` is guarded by its Locked box.
            let events = Locked<[String]>([])
            func handlerFinished(_ envelope: MessageEnvelope, handler: String, endpoint: String?, duration: Duration, error: (any Error)?) {
                events.withLock { $0.append("\(handler) \(endpoint ?? "inline")") }
            }
        }
        let hooks = Hooks()
        let app = try await WakuFactory(ObsRoot(config: obsConfig(), failing: false)).create()
        try await app.initialize()
        let runtime = try await app.container.get(MessagingRuntime.self)
        func publishAndDrain(_ id: Int) async throws -> [String] {
            hooks.events.withLock { $0 = [] }
            _ = try await trackMessages(app) {
                try await app.withContainer { try await $0.get((any IPublisher).self).publish(ObsPlaced(id: id)) }
            }
            return hooks.events.withLock { $0 }.sorted()
        }
        runtime.addObserver(hooks)
        #expect(try await publishAndDrain(1) == ["ObsInline inline", "ObsRouted side"])
        runtime.removeObserver(hooks)
        #expect(try await publishAndDrain(2).isEmpty)
        runtime.addObserver(hooks)
        #expect(try await publishAndDrain(3) == ["ObsInline inline", "ObsRouted side"])
        try await app.close()
    }
}
