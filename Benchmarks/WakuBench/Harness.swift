import Histogram

/// The measuring loops. Every one warms up first, then times batches with ``MonotonicClock``;
/// the reported median is the median over batches of each batch's mean, so a slow batch (a
/// scheduler hiccup, another process on the machine) moves it little.
///
/// The closures run in the caller's isolation (these functions are nonisolated and take
/// non-`Sendable` closures), so no measured operation pays for an executor hop the framework
/// itself would not make.
enum Harness {
    /// For operations far shorter than a clock read: `runBatch(n)` performs `n` operations in a
    /// tight loop and feeds each result to the sink; only whole batches are timed. No p50/p99.
    ///
    /// The batch size doubles until a batch takes a quarter of `plan.batchNanos`, then is scaled
    /// to about `plan.batchNanos`; warm-up repeats such batches for `plan.warmupNanos`, and the
    /// size is scaled once more from the fastest of five warm batches.
    static func measureBatches(
        _ plan: BatchPlan, _ runBatch: (Int) async throws -> Void
    ) async throws -> Measurement {
        var size = 1
        while true {
            let start = MonotonicClock.now()
            try await runBatch(size)
            let elapsed = MonotonicClock.now() &- start
            if elapsed >= plan.batchNanos / 4 || size >= 1 << 28 {
                let scaled = Double(size) * Double(plan.batchNanos) / Double(max(elapsed, 1))
                size = max(1, Int(scaled.rounded()))
                break
            }
            size *= 2
        }
        let warmupStart = MonotonicClock.now()
        repeat {
            try await runBatch(size)
        } while MonotonicClock.now() &- warmupStart < plan.warmupNanos
        // Calibrate again, warm (the first calls, with lazy initialization and cold caches, are
        // slower), from the fastest of a few batches (the others may have been preempted).
        var fastest = UInt64.max
        for _ in 0 ..< 5 {
            let start = MonotonicClock.now()
            try await runBatch(size)
            fastest = min(fastest, MonotonicClock.now() &- start)
        }
        size = max(1, Int((Double(size) * Double(plan.batchNanos) / Double(max(fastest, 1))).rounded()))

        var means: [Double] = []
        means.reserveCapacity(plan.batches)
        for _ in 0 ..< plan.batches {
            let start = MonotonicClock.now()
            try await runBatch(size)
            let elapsed = MonotonicClock.now() &- start
            means.append(Double(elapsed) / Double(size))
        }
        return Measurement(
            unit: .nanosPerOp, median: Statistics.median(means), p50: nil, p99: nil,
            iterations: plan.batches * size)
    }

    /// For latency scenarios: every call of `op(i)` is timed on its own. The median is over batch
    /// means of those times; p50 and p99 come from all individual times, recorded in an HDR
    /// histogram (3 significant digits: 0.1% resolution).
    static func measureLatency(
        _ plan: LatencyPlan, _ op: (Int) async throws -> Void
    ) async throws -> Measurement {
        for i in 0 ..< plan.warmup { try await op(i) }
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        var means: [Double] = []
        means.reserveCapacity(plan.batches)
        var i = 0
        for _ in 0 ..< plan.batches {
            var total: UInt64 = 0
            for _ in 0 ..< plan.batchSize {
                let start = MonotonicClock.now()
                try await op(i)
                let elapsed = MonotonicClock.now() &- start
                histogram.record(elapsed)
                total &+= elapsed
                i += 1
            }
            means.append(Double(total) / Double(plan.batchSize))
        }
        return Measurement(
            unit: .nanosPerOp, median: Statistics.median(means),
            p50: Double(histogram.valueAtPercentile(50)), p99: Double(histogram.valueAtPercentile(99)),
            iterations: plan.batches * plan.batchSize)
    }

    /// For throughput scenarios: `run(n)` processes `n` messages and returns the nanoseconds it
    /// took (it times itself, so per-run setup stays outside). Median msg/s over the runs.
    static func measureThroughput(
        _ plan: ThroughputPlan, _ run: (Int) async throws -> UInt64
    ) async throws -> Measurement {
        _ = try await run(plan.warmupMessages)
        var rates: [Double] = []
        for _ in 0 ..< plan.runs {
            let elapsed = try await run(plan.messages)
            rates.append(Double(plan.messages) / (Double(max(elapsed, 1)) / 1e9))
        }
        return Measurement(
            unit: .messagesPerSecond, median: Statistics.median(rates), p50: nil, p99: nil,
            iterations: plan.messages * plan.runs)
    }

    /// For long operations (an app build): each call is timed; the median over the calls. What
    /// `op` returns is released after the clock is read, so its deallocation is not timed.
    static func measureEach<Result>(_ plan: EachPlan, _ op: () async throws -> Result) async throws -> Measurement {
        for _ in 0 ..< plan.warmup { _ = try await op() }
        var samples: [Double] = []
        for _ in 0 ..< plan.samples {
            let start = MonotonicClock.now()
            let result = try await op()
            let end = MonotonicClock.now()
            withExtendedLifetime(result) {}
            samples.append(Double(end &- start))
        }
        return Measurement(
            unit: .nanosPerOp, median: Statistics.median(samples), p50: nil, p99: nil, iterations: plan.samples)
    }
}
