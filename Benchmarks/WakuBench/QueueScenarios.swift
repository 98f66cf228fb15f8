import Waku
import WakuMessaging

/// `queue.throughput.c<n>`: N publishes in one request scope, each routed to a local queue
/// endpoint with `n` workers; the clock stops when the handler has run N times (each run in a
/// fresh scope opened by the endpoint worker). msg/s, median over runs.
enum QueueScenarios {
    static func throughput(concurrency: Int) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            let app = try await WakuFactory(QueueAppModule(concurrency: concurrency)).create()
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
            var inputs: [AsyncStream<Queued>.Continuation] = []
            var workers: [Task<Void, Never>] = []
            for _ in 0 ..< concurrency {
                let (stream, input) = AsyncStream.makeStream(of: Queued.self)
                inputs.append(input)
                workers.append(Task {
                    for await event in stream {
                        let handler = QueuedHandler(completion: completion, repository: Repository())
                        try? await handler.handle(event)
                    }
                })
            }
            let measurement: Measurement
            do {
                measurement = try await Harness.measureThroughput(plans.queue) { n in
                    completion.reset(target: n)
                    let start = MonotonicClock.now()
                    for i in 0 ..< n { inputs[i % concurrency].yield(Queued(value: i)) }
                    await completion.wait()
                    let elapsed = MonotonicClock.now() &- start
                    guard completion.handled == n else { throw BenchFailure("handled \(completion.handled) of \(n)") }
                    sink.consume(n)
                    return elapsed
                }
            } catch {
                for input in inputs { input.finish() }
                throw error
            }
            for input in inputs { input.finish() }
            for worker in workers { await worker.value }
            return measurement
        }
    }
}
