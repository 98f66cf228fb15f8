import Foundation
import PostgresNIO
import WakuMessaging
import WakuPostgres

/// `durable.postgres.pickup`: how long an idle worker process takes to notice new work. One
/// `waku-worker --consume --handler-delay-ms 0` process waits on an empty queue; this process
/// inserts one delivery at a time (`store.insert`, its own commit), waits until the worker has
/// handled it, then idles for a random gap (uniform in `0 ..< maxGap`, so inserts land at random
/// points of a polling worker's cycle) before the next. Whatever the worker's pickup mechanism is
/// (polling, notifications), this measures it.
///
/// Latency = the handler's start − the insert's commit, both on the database clock: the handler
/// logs the job first thing (`waku_worker_log.handled_at`, `clock_timestamp()` of its INSERT,
/// which follows its transaction's BEGIN: one round trip after the handler started); the commit
/// is when `store.insert` returned, converted to the database clock with the offset measured
/// at the start (`SELECT clock_timestamp()` bracketed by local clock reads, the fastest of 20).
/// ns/op: median over the means of groups of 10 deliveries; p50/p99 over the deliveries. The
/// note also gives the median commit-to-claim time (the row's `first_claimed_at`).
///
/// The deliveries are made like the worker's own `Job`s: the first is published by
/// `waku-worker --produce 1` (warm-up), the rest copy its message type and handler name.
enum PickupScenario {
    static func postgres() -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            let plan = plans.pickup
            _ = try BenchDatabase.postgresURL(.nanosPerOp)
            let binary = try WorkerProcessScenarios.workerBinary(unit: .nanosPerOp)
            return try await BenchDatabase.withPostgres(.nanosPerOp, prefix: "pickup") { store, url in
                try await measure(plan, binary: binary, url: url, store: store, sink: sink)
            }
        }
    }

    private static func measure(
        _ plan: PickupPlan, binary: String, url: String, store: PostgresDurableStore, sink: Sink
    ) async throws -> Measurement {
        guard let schema = store.schemaName else { throw BenchFailure("the store has no schema") }
        let deliveries = "\"\(schema)\".waku_deliveries"
        let log = "\"\(schema)\".waku_worker_log"
        let endpoint = WorkerProcessScenarios.endpoint

        // Job 0, through the worker's own bus: the template for the rest (and a warm-up).
        let producer = try WorkerChild(
            binary: binary, name: "pickup-producer", arguments: ["--store", url, "--produce", "1", "--first-id", "0"])
        try await producer.waitForExit(timeout: .seconds(120))
        var binds = PostgresBindings(capacity: 1)
        binds.append(endpoint)
        let templates = try await store.query(PostgresQuery(
            unsafeSQL: "SELECT message_type, handler FROM \(deliveries) WHERE endpoint = $1 ORDER BY id LIMIT 1", binds: binds))
        guard let template = templates.first else { throw BenchFailure("waku-worker --produce 1 stored no delivery") }
        let (messageType, handler) = try template.decode((String, String).self)

        let consumer = try WorkerChild(
            binary: binary, name: "pickup-consumer",
            arguments: ["--store", url, "--consume", "--handler-delay-ms", "0", "--concurrency", "4"])
        defer { consumer.stop() }
        try await consumer.waitForOutput("consuming", timeout: .seconds(60))

        func handledAt(_ job: Int) async throws -> Date? {
            var binds = PostgresBindings(capacity: 1)
            binds.append(job)
            let rows = try await store.query(PostgresQuery(
                unsafeSQL: "SELECT min(handled_at) FROM \(log) WHERE job_id = $1::int4", binds: binds))
            return try rows.first?.decode(Date?.self)
        }
        func waitUntilHandled(_ job: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while try await handledAt(job) == nil {
                guard ContinuousClock.now < deadline else {
                    throw BenchFailure("waku-worker did not handle job \(job) within 30 s:\n\(consumer.output)")
                }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        try await waitUntilHandled(0)

        let clock = try await databaseClockOffset(store)
        let maxGap = max(1, plan.maxGap.components.seconds * 1_000_000_000 + plan.maxGap.components.attoseconds / 1_000_000_000)
        var committed: [Int: Date] = [:]
        var messageIds: [UUID: Int] = [:]
        for job in 1 ... plan.warmup + plan.samples {
            try await Task.sleep(for: .nanoseconds(Int64.random(in: 0 ..< maxGap)))
            let messageId = UUID()
            let delivery = StoredDelivery(
                messageId: messageId, correlationId: messageId, causationId: messageId, messageType: messageType,
                handler: handler, endpoint: endpoint, payload: Data("{\"id\":\(job),\"seq\":\(job)}".utf8), headers: [:],
                timestamp: Date(), groupId: nil, availableAt: Date())
            try await store.insert([delivery])
            let commit = Date()
            if job > plan.warmup {
                committed[job] = commit.addingTimeInterval(clock.offset)
                messageIds[messageId] = job
            }
            try await waitUntilHandled(job)
        }
        sink.consume(committed.count)

        // Every job handled exactly once, and the times of the measured ones.
        let counts = try await store.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int8, count(DISTINCT job_id)::int8 FROM \(log)"))
        guard let countRow = counts.first else { throw BenchFailure("no job log counts") }
        let (logRows, distinct) = try countRow.decode((Int, Int).self)
        guard logRows == distinct, distinct == plan.warmup + plan.samples + 1 else {
            throw BenchFailure("the job log holds \(logRows) rows for \(distinct) jobs; expected one each for \(plan.warmup + plan.samples + 1)")
        }
        var handled: [Int: Date] = [:]
        for row in try await store.query(PostgresQuery(unsafeSQL: "SELECT job_id::int8, handled_at FROM \(log)")) {
            let (job, at) = try row.decode((Int, Date).self)
            handled[job] = at
        }
        var claimLatencies: [Double] = []
        for row in try await store.query(PostgresQuery(
            unsafeSQL: "SELECT message_id, first_claimed_at FROM \(deliveries) WHERE endpoint = $1", binds: binds)) {
            let (messageId, claimedAt) = try row.decode((UUID, Date?).self)
            guard let job = messageIds[messageId], let claimedAt, let commit = committed[job] else { continue }
            claimLatencies.append(claimedAt.timeIntervalSince(commit) * 1e9)
        }

        var samples: [UInt64] = []
        var negative = 0
        for job in committed.keys.sorted() {
            guard let commit = committed[job], let start = handled[job] else { throw BenchFailure("job \(job) has no log row") }
            let nanos = start.timeIntervalSince(commit) * 1e9
            if nanos < 0 { negative += 1 }
            samples.append(UInt64(max(0, nanos)))
        }
        var measurement = try Measurement.latency(samples, groupSize: 10)
        measurement.note = "one waku-worker --consume process (concurrency 4), idle between deliveries; \(plan.samples) deliveries, "
            + "each inserted after a random idle gap of 0–\(formatNanos(Double(maxGap))) once the previous was handled; "
            + "insert committed → handler started (its job-log row), on the database clock (offset "
            + "\(formatNanos(clock.offset * 1e9)), ±\(formatNanos(clock.roundTrip * 1e9 / 2))); commit → claimed: median "
            + "\(formatNanos(Statistics.median(claimLatencies)))"
            + (negative > 0 ? "; \(negative) sample(s) below 0 counted as 0" : "")
        return measurement
    }

    /// The database clock minus ours (seconds), from the `SELECT clock_timestamp()` with the
    /// shortest round trip of 20: the server read its clock within half that round trip of the
    /// midpoint of our two reads.
    private static func databaseClockOffset(_ store: PostgresDurableStore) async throws -> (offset: Double, roundTrip: Double) {
        var best: (offset: Double, roundTrip: Double)?
        for _ in 0 ..< 20 {
            let before = Date()
            let rows = try await store.query(PostgresQuery(unsafeSQL: "SELECT clock_timestamp()"))
            let after = Date()
            guard let server = try rows.first?.decode(Date.self) else { throw BenchFailure("SELECT clock_timestamp() returned no row") }
            let roundTrip = after.timeIntervalSince(before)
            let offset = server.timeIntervalSince(before.addingTimeInterval(roundTrip / 2))
            if best.map({ roundTrip < $0.roundTrip }) ?? true { best = (offset, roundTrip) }
        }
        guard let best else { throw BenchFailure("no clock samples") }
        return best
    }
}
