import Waku
import WakuMessaging

/// `queue.latency.*`: enqueue-to-handled latency of a routed local-queue handler. Each message
/// carries the clock reading taken just before `publish`; the handler, running on the endpoint's
/// worker in the fresh scope the worker opened, records `now - sentAt`. A round publishes
/// `burst` messages from one open request scope and waits until they were handled, so the
/// queue never builds a backlog beyond the burst: with `burst == 1` this is the latency of an
/// idle endpoint; with larger bursts, the latency of an endpoint under load.
enum LatencyScenarios {
    static func routed(concurrency: Int, burst: Bool) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            let plan = burst ? plans.queueLatencyBurst : plans.queueLatency
            let app = try await WakuFactory(LocalQueueAppModule(
                handlers: StampedModule(), route: route(Stamped.self).to("latency"), endpoint: "latency", concurrency: concurrency)).create()
            return try await app.run { app in
                let recorder = try await app.container.get(LatencyRecorder.self)
                return try await app.withContainer { scope in
                    let bus = try await scope.get((any IMessageBus).self)
                    return try await measure(plan, recorder: recorder, sink: sink) { id in
                        try await bus.publish(Stamped(id: id, sentAt: MonotonicClock.now()))
                    }
                }
            }
        }
    }

    /// `handwired.queue.latency.*`: the same rounds over `concurrency` `AsyncStream`s (round
    /// robin), one consumer task each, which builds the handler and its scoped dependency per
    /// message and calls it.
    static func handwired(concurrency: Int, burst: Bool) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            let plan = burst ? plans.queueLatencyBurst : plans.queueLatency
            let recorder = LatencyRecorder()
            let streams = HandwiredStreams<Stamped>(concurrency: concurrency) { event in
                try? await StampedHandler(recorder: recorder, repository: Repository()).handle(event)
            }
            return try await streams.drive {
                try await measure(plan, recorder: recorder, sink: sink) { id in
                    streams.yield(Stamped(id: id, sentAt: MonotonicClock.now()), at: id)
                }
            }
        }
    }

    /// Warm-up rounds, then measured rounds; every message's latency is one sample.
    private static func measure(
        _ plan: RoundsPlan, recorder: LatencyRecorder, sink: Sink, _ send: (Int) async throws -> Void
    ) async throws -> Measurement {
        var id = 0
        func round() async throws {
            recorder.completion.reset(target: plan.burst)
            for _ in 0 ..< plan.burst {
                try await send(id)
                id += 1
            }
            await recorder.completion.wait()
        }
        for _ in 0 ..< plan.warmupRounds { try await round() }
        recorder.start(expecting: plan.rounds * plan.burst)
        for _ in 0 ..< plan.rounds { try await round() }
        let samples = recorder.stop()
        guard samples.count == plan.rounds * plan.burst else {
            throw BenchFailure("recorded \(samples.count) of \(plan.rounds * plan.burst) latencies")
        }
        sink.consume(id)
        var measurement = try Measurement.latency(samples)
        measurement.note = plan.burst == 1
            ? "one message at a time: publish, then wait until handled; ns from publish to the handler running"
            : "bursts of \(plan.burst) published back to back, then wait until handled; ns from publish to the handler running"
        return measurement
    }
}

// The `queue.latency.*` app: one event type routed to a local queue endpoint. `Stamped`,
// its handler and module serve the `durable.*` app as well.

/// Codable with a stable name, so the `durable.*` scenarios route it to a durable endpoint too.
struct Stamped: IEvent, Codable, NamedMessage {
    static let messageName = "waku-bench.stamped.v1"
    let id: Int
    /// ``MonotonicClock`` reading taken just before publishing (system-wide on Linux and macOS).
    let sentAt: UInt64
}

final class StampedHandler: EventHandler {
    private let recorder: LatencyRecorder
    private let repository: Repository
    init(recorder: LatencyRecorder, repository: Repository) {
        self.recorder = recorder
        self.repository = repository
    }

    func handle(_ event: Stamped) async throws {
        recorder.handled(sentAt: event.sentAt)
    }
}

struct StampedModule: Module {
    var providers: [Provider] { [singleton(LatencyRecorder.init)] }
    var extensions: [any ModuleExtension] {
        [MessagingExtension().bindEvent(Stamped.self, StampedHandler.init)]
    }
}
