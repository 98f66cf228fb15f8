import Foundation
import PostgresNIO
import Waku
import WakuMessaging
import WakuPostgres
import WakuSQLite

/// `durable.<store>.throughput`: end to end on one app, as a busy server publishes: N events are
/// published by ``producers`` (64) concurrent tasks, like that many requests in flight, each task
/// in its own request scope publishing its share one event after another. Each publish is its own
/// insert outside any unit of work and returns only once its row is committed; concurrent inserts
/// share commits (the store's group commit). The endpoint has 4 workers and claims batches of 64.
/// The clock stops when every delivery was claimed from the store, handled in a fresh scope and
/// finalized (marked handled in the store). msg/s, median over runs; p50/p99 are each message's
/// latency from publish to its handler running, with the queue as loaded as the run makes it.
///
/// The producers publish faster than one endpoint drains, so a backlog builds up during a run and
/// p50/p99 include the time messages wait in it.
///
/// `durable.<store>.throughput.1producer`: the same with a single producer task, so every
/// publish waits for its own commit before the next starts (nothing to group).
///
/// `durable.postgres.grouped50`: the same 64 producers, but message i is published with group
/// key `g<i mod 50>`, so deliveries are spread over 50 groups that each must be handled in
/// order: a claim can take only each group's head, and a group's next delivery becomes
/// claimable once the previous one is finalized. Baselined on the ungrouped run, so its ratio
/// is what per-group FIFO costs.
enum DurableScenarios {
    /// Concurrent publishing tasks in `durable.<store>.throughput`.
    static let producers = 64

    static func sqlite(producers: Int) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            try await BenchDatabase.withSQLite { store, _ in
                var measurement = try await throughput(plans.durable, store: store, producers: producers, sink: sink)
                measurement.note = "SQLite file (WAL, synchronous=NORMAL); " + (measurement.note ?? "")
                return measurement
            }
        }
    }

    static func postgres(producers: Int, groups: Int? = nil) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            try await BenchDatabase.withPostgres(.messagesPerSecond, prefix: "tp") { store, _ in
                var measurement = try await throughput(plans.durable, store: store, producers: producers, groups: groups, sink: sink)
                measurement.note = "PostgreSQL, one process; " + (measurement.note ?? "") + (try await claimSizes(store))
                return measurement
            }
        }
    }

    /// How many deliveries the workers' claims took on average, warm-up included: each claim
    /// stamps its rows with its transaction's start (`claimed_at`), and nothing is claimed twice
    /// in a crash-free run.
    private static func claimSizes(_ store: PostgresDurableStore) async throws -> String {
        guard let schema = store.schemaName else { return "" }
        var binds = PostgresBindings(capacity: 1)
        binds.append(DurableAppModule.endpoint)
        let rows = try await store.query(PostgresQuery(
            unsafeSQL: """
                SELECT count(DISTINCT claimed_at)::int8, count(*)::int8 FROM "\(schema)".waku_deliveries
                WHERE endpoint = $1 AND claimed_at IS NOT NULL
                """,
            binds: binds))
        guard let (claims, deliveries) = try rows.first?.decode((Int, Int).self), claims > 0 else { return "" }
        return "; claims took \(grouped(Double(deliveries) / Double(claims))) deliveries each on average "
            + "(\(grouped(Double(claims), decimals: 0)) claims)"
    }

    /// With `groups`, message i goes to group `g<i mod groups>`.
    private static func throughput(
        _ plan: ThroughputPlan, store: any DurableStore, producers: Int, groups: Int? = nil, sink: Sink
    ) async throws -> Measurement {
        let app = try await WakuFactory(DurableAppModule(store: store)).create()
        return try await app.run { app in
            let recorder = try await app.container.get(LatencyRecorder.self)
            var published = 0
            func run(_ count: Int) async throws -> UInt64 {
                recorder.completion.reset(target: count)
                let start = MonotonicClock.now()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for producer in 0 ..< producers {
                        // Producer p publishes ids first + p, first + p + producers, …
                        let ids = Array(stride(from: published + producer, to: published + count, by: producers))
                        group.addTask {
                            try await app.withContainer { scope in
                                let bus = try await scope.get((any IMessageBus).self)
                                for i in ids {
                                    if let groups {
                                        try await bus.publish(
                                            Stamped(id: i, sentAt: MonotonicClock.now()), options: DeliveryOptions(groupId: "g\(i % groups)"))
                                    } else {
                                        try await bus.publish(Stamped(id: i, sentAt: MonotonicClock.now()))
                                    }
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
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
                note: "\(grouped(Double(plan.messages), decimals: 0)) messages per run from \(producers) concurrent "
                    + "producer\(producers == 1 ? "" : "s") (each publish its own committed insert)"
                    + (groups.map { ", spread over \($0) groups (FIFO within each)" } ?? "") + ", "
                    + "\(DurableAppModule.concurrency) workers, batches of 64; p50/p99: publish to handler, under full load")
        }
    }
}
