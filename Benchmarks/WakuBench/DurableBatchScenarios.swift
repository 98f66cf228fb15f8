import Foundation
import Waku
import WakuMessaging
import WakuPostgres

/// `durable.postgres.batch<N>`: a batch publish, as a request that emits many events does it.
/// Each round publishes N `Stamped` events through the bus inside one unit of work
/// (`withUnitOfWork(store.beginTransaction())`: the outbox), so they are written in that
/// transaction and committed together; the app's durable endpoint (4 workers, batches of 64)
/// then handles them. The median is the messages published and committed per second (first
/// publish to commit returned), median over rounds; each round then waits until all N are
/// handled and finalized before the next starts, and the note gives that rate (first publish to
/// the last finalize). p50/p99: each message's publish to its handler running, so they include
/// the wait for the batch's commit.
///
/// To show where the time goes, each round also times its two phases (the N publishes, the
/// commit) and, untimed for the median, one `store.insert` of N rows (a single statement and
/// commit) to an endpoint nobody consumes: what writing the same rows costs without a
/// statement per publish.
enum DurableBatchScenarios {
    /// Where the comparison rows go: no worker claims them.
    static let idleEndpoint = "bench-batch-compare"

    static func postgres() -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            try await BenchDatabase.withPostgres(.messagesPerSecond, prefix: "batch") { store, _ in
                try await measure(plans.durableBatch, store: store, sink: sink)
            }
        }
    }

    private struct Round {
        let publishNanos: UInt64
        let commitNanos: UInt64
        let handledNanos: UInt64
        let singleInsertNanos: UInt64
    }

    private static func measure(_ plan: RoundsPlan, store: PostgresDurableStore, sink: Sink) async throws -> Measurement {
        let batch = plan.burst
        let app = try await WakuFactory(DurableAppModule(store: store)).create()
        return try await app.run { app in
            let recorder = try await app.container.get(LatencyRecorder.self)
            var published = 0
            func round() async throws -> Round {
                recorder.completion.reset(target: batch)
                let first = published
                let start = MonotonicClock.now()
                let publishedAt = try await app.withContainer { scope in
                    let bus = try await scope.get((any IMessageBus).self)
                    return try await withUnitOfWork(try await store.beginTransaction()) {
                        for id in first ..< first + batch {
                            try await bus.publish(Stamped(id: id, sentAt: MonotonicClock.now()))
                        }
                        return MonotonicClock.now()
                    }
                }
                let committed = MonotonicClock.now()
                published += batch
                await recorder.completion.wait()
                while try await store.handledCount(endpoint: DurableAppModule.endpoint) < published {
                    try await Task.sleep(for: .milliseconds(1))
                }
                let handled = MonotonicClock.now()
                guard recorder.completion.handled == batch else {
                    throw BenchFailure("handled \(recorder.completion.handled) of \(batch)")
                }
                let rows = (first ..< first + batch).map { id in
                    StoredDelivery(
                        messageId: UUID(), correlationId: UUID(), causationId: UUID(), messageType: Stamped.messageName,
                        handler: "waku-bench.batch-compare", endpoint: idleEndpoint,
                        payload: Data("{\"id\":\(id),\"sentAt\":0}".utf8), headers: [:], timestamp: Date(), groupId: nil,
                        availableAt: Date())
                }
                let insertStart = MonotonicClock.now()
                try await store.insert(rows)
                let insertEnd = MonotonicClock.now()
                sink.consume(batch)
                return Round(
                    publishNanos: publishedAt &- start, commitNanos: committed &- publishedAt, handledNanos: handled &- start,
                    singleInsertNanos: insertEnd &- insertStart)
            }
            for _ in 0 ..< plan.warmupRounds { _ = try await round() }
            recorder.start(expecting: batch * plan.rounds)
            var rounds: [Round] = []
            for _ in 0 ..< plan.rounds { rounds.append(try await round()) }
            let latencies = try Measurement.latency(recorder.stop())
            let pending = try await store.pendingCount(endpoint: idleEndpoint)
            guard pending == batch * (plan.warmupRounds + plan.rounds) else {
                throw BenchFailure("the comparison inserts left \(pending) rows")
            }

            func rate(_ nanos: UInt64) -> Double { Double(batch) / (Double(max(nanos, 1)) / 1e9) }
            func median(_ nanos: (Round) -> UInt64) -> Double { Statistics.median(rounds.map { Double(nanos($0)) }) }
            let committedRate = Statistics.median(rounds.map { rate($0.publishNanos &+ $0.commitNanos) })
            let handledRate = Statistics.median(rounds.map { rate($0.handledNanos) })
            let singleRate = Statistics.median(rounds.map { rate($0.singleInsertNanos) })
            let publishNanos = median(\.publishNanos)
            return Measurement(
                unit: .messagesPerSecond, median: committedRate, p50: latencies.p50, p99: latencies.p99,
                iterations: batch * plan.rounds,
                note: "\(grouped(Double(batch), decimals: 0)) events published in one unit of work and committed together, "
                    + "\(plan.rounds) rounds; median msg/s published and committed; handled and finalized: "
                    + "\(grouped(handledRate, decimals: 0)) msg/s (4 workers, batches of 64). Per round: publishes "
                    + "\(formatNanos(publishNanos)) (\(formatNanos(publishNanos / Double(batch))) per publish), "
                    + "commit \(formatNanos(median(\.commitNanos))); the same rows as one store.insert (one statement, "
                    + "its own commit): \(formatNanos(median(\.singleInsertNanos))) = \(grouped(singleRate, decimals: 0)) msg/s. "
                    + "p50/p99: publish to handler, including the wait for the commit")
        }
    }
}
