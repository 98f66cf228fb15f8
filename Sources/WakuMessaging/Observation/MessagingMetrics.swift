import Metrics
import Waku

/// Reports messaging through swift-metrics: counters of dispatched, handled, failed, retried
/// and dead-lettered messages by message type and endpoint (`inline` for inline handlers), a
/// timer of handler durations, and gauges of queue depth and in-flight deliveries.
final class MessagingMetrics: MessageObserver, @unchecked Sendable {
    // @unchecked: the metric caches are guarded by `counters`/`timers`/`gauges` locks; the
    // factory is only used under those locks or is itself thread-safe per swift-metrics.
    private let factory: any MetricsFactory
    private let counters = Locked<[String: Counter]>([:])
    private let timers = Locked<[String: Timer]>([:])
    private let gauges = Locked<[String: Gauge]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    static let dispatched = "waku_messages_dispatched_total"
    static let handled = "waku_messages_handled_total"
    static let failed = "waku_messages_failed_total"
    static let retried = "waku_messages_retried_total"
    static let deadLettered = "waku_messages_dead_lettered_total"
    static let duration = "waku_handler_duration_seconds"
    static let queueDepth = "waku_endpoint_queue_depth"
    static let inFlight = "waku_endpoint_in_flight"

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return counters.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = Counter(label: label, dimensions: dimensions, factory: factory)
            cache[key] = counter
            return counter
        }
    }

    func dispatchStarted(_ envelope: MessageEnvelope) {
        counter(Self.dispatched, [("message_type", envelope.messageType)]).increment()
    }

    func handlerFinished(_ envelope: MessageEnvelope, handler: String, endpoint: String?, duration: Duration, error: (any Error)?) {
        let dimensions = [("message_type", envelope.messageType), ("endpoint", endpoint ?? "inline")]
        if error == nil {
            counter(Self.handled, dimensions).increment()
        } else {
            counter(Self.failed, dimensions).increment()
        }
        let key = envelope.messageType + "|" + handler + "|" + (endpoint ?? "inline")
        let timer = timers.withLock { cache in
            if let timer = cache[key] { return timer }
            let timer = Timer(
                label: Self.duration, dimensions: dimensions + [("handler", handler)], factory: factory)
            cache[key] = timer
            return timer
        }
        timer.record(duration: duration)
    }

    func handlerFailed(_ envelope: MessageEnvelope, handler: String, endpoint: String?, error: any Error, attempt: Int, willRetry: Bool) {
        if willRetry {
            counter(Self.retried, [("message_type", envelope.messageType), ("endpoint", endpoint ?? "inline")]).increment()
        }
    }

    func deliveryFinished(_ delivery: Delivery, outcome: DeliveryProcessor.Outcome, error: (any Error)?) {
        if outcome == .deadLettered {
            counter(Self.deadLettered, [("message_type", delivery.envelope.messageType), ("endpoint", delivery.endpoint)]).increment()
        }
    }

    /// Records the current depth and in-flight count of each endpoint.
    func sample(_ endpoints: [String: any Endpoint]) {
        for (name, endpoint) in endpoints {
            gauge(Self.queueDepth, name).record(endpoint.depth)
            gauge(Self.inFlight, name).record(endpoint.inFlight)
        }
    }

    private func gauge(_ label: String, _ endpoint: String) -> Gauge {
        gauges.withLock { cache in
            let key = label + "|" + endpoint
            if let gauge = cache[key] { return gauge }
            let gauge = Gauge(label: label, dimensions: [("endpoint", endpoint)], factory: factory)
            cache[key] = gauge
            return gauge
        }
    }
}
