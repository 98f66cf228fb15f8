import Foundation
import PostgresNIO
import Waku
import WakuMessaging
import WakuPostgres
import WakuSQLite

/// `durable.<store>.throughput`: end to end on one app. N events are published one by one (each
/// its own insert, as an app publishing outside a unit of work does) to a durable endpoint with
/// 4 workers; the clock stops when every delivery was handled and finalized (marked handled in
/// the store). msg/s, median over runs; p50/p99 are each message's latency from publish to its
/// handler running, with the queue as loaded as the run makes it.
enum DurableScenarios {
    static func sqlite(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        try await BenchDatabase.withSQLite { store, _ in
            var measurement = try await throughput(plans.durable, store: store, sink: sink)
            measurement.note = "SQLite file (WAL, synchronous=NORMAL); " + (measurement.note ?? "")
            return measurement
        }
    }

    static func postgres(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        try await BenchDatabase.withPostgres(.messagesPerSecond, prefix: "tp") { store, _ in
            var measurement = try await throughput(plans.durable, store: store, sink: sink)
            measurement.note = "PostgreSQL, one process; " + (measurement.note ?? "")
            return measurement
        }
    }

    private static func throughput(_ plan: ThroughputPlan, store: any DurableStore, sink: Sink) async throws -> Measurement {
        let app = try await WakuFactory(DurableAppModule(store: store)).create()
        return try await app.run { app in
            let recorder = try await app.container.get(LatencyRecorder.self)
            var published = 0
            func run(_ count: Int) async throws -> UInt64 {
                recorder.completion.reset(target: count)
                let start = MonotonicClock.now()
                try await app.withContainer { scope in
                    let bus = try await scope.get((any IMessageBus).self)
                    for i in published ..< published + count {
                        try await bus.publish(Stamped(id: i, sentAt: MonotonicClock.now()))
                    }
                }
                published += count
                await recorder.completion.wait()
                // Handled is not done: wait until the store has finalized every delivery too.
                while try await store.handledCount(endpoint: DurableAppModule.endpoint) < published {
                    try await Task.sleep(for: .milliseconds(1))
                }
                let elapsed = MonotonicClock.now() &- start
                guard recorder.completion.handled == count else {
                    throw BenchFailure("handled \(recorder.completion.handled) of \(count)")
                }
                sink.consume(count)
                return elapsed
            }
            if plan.warmupMessages > 0 { _ = try await run(plan.warmupMessages) }
            recorder.start(expecting: plan.messages * plan.runs)
            var rates: [Double] = []
            for _ in 0 ..< plan.runs {
                let elapsed = try await run(plan.messages)
                rates.append(Double(plan.messages) / (Double(max(elapsed, 1)) / 1e9))
            }
            let latencies = try Measurement.latency(recorder.stop())
            return Measurement(
                unit: .messagesPerSecond, median: Statistics.median(rates), p50: latencies.p50, p99: latencies.p99,
                iterations: plan.messages * plan.runs,
                note: "\(grouped(Double(plan.messages), decimals: 0)) messages per run, \(DurableAppModule.concurrency) workers, "
                    + "batches of 64; p50/p99: publish to handler, under full load")
        }
    }
}
