import Waku
import WakuMessaging

/// `queue.throughput.c<n>`: N publishes in one request scope, each routed to a local queue
/// endpoint with `n` workers; the clock stops when the handler has run N times (each run in a
/// fresh scope opened by the endpoint worker). msg/s, median over runs.
enum QueueScenarios {
    static func throughput(concurrency: Int) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            let app = try await WakuFactory(LocalQueueAppModule.throughput(concurrency: concurrency)).create()
            return try await app.run { app in
                let completion = try await app.container.get(Completion.self)
                return try await Harness.measureThroughput(plans.queue) { n in
                    completion.reset(target: n)
                    let start = MonotonicClock.now()
                    try await app.withContainer { scope in
                        let bus = try await scope.get((any IMessageBus).self)
                        for i in 0 ..< n { try await bus.publish(Queued(value: i)) }
                    }
                    await completion.wait()
                    let elapsed = MonotonicClock.now() &- start
                    guard completion.handled == n else { throw BenchFailure("handled \(completion.handled) of \(n)") }
                    sink.consume(n)
                    return elapsed
                }
            }
        }
    }

    /// `handwired.queue.c<n>`: the same work without the framework: round-robin over `n`
    /// `AsyncStream`s (unbounded), one consumer task each, which builds the handler and its
    /// scoped dependency per message and calls it.
    static func handwired(concurrency: Int) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            let completion = Completion()
            let streams = HandwiredStreams<Queued>(concurrency: concurrency) { event in
                let handler = QueuedHandler(completion: completion, repository: Repository())
                try? await handler.handle(event)
            }
            return try await streams.drive {
                try await Harness.measureThroughput(plans.queue) { n in
                    completion.reset(target: n)
                    let start = MonotonicClock.now()
                    for i in 0 ..< n { streams.yield(Queued(value: i), at: i) }
                    await completion.wait()
                    let elapsed = MonotonicClock.now() &- start
                    guard completion.handled == n else { throw BenchFailure("handled \(completion.handled) of \(n)") }
                    sink.consume(n)
                    return elapsed
                }
            }
        }
    }
}
