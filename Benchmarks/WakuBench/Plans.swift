/// How long each kind of measurement runs, for a full run and for a `--quick` smoke run.
///
/// The bus and queue totals match `Benchmarks/python/bench.py` (FULL / QUICK), so both sides time
/// the same number of operations; the batches are smaller (about 1 ms each), so that on a busy
/// machine most batches run without being preempted and the median over batches stays put.
struct Plans {
    let quick: Bool
    /// DI micro-operations: adaptive batches (see ``Harness/measureBatches(_:_:)``).
    let micro: BatchPlan
    /// Bus dispatches, each timed on its own.
    let bus: LatencyPlan
    let nested: LatencyPlan
    /// Hand-wired baselines of the bus scenarios (batch-timed: too short to time one by one).
    let handwiredBus: BatchPlan
    /// Local-queue throughput.
    let queue: ThroughputPlan
    /// App builds: (warm-up builds, measured builds); one more untimed build checks the graph first.
    let build: EachPlan
    /// Local-queue enqueue-to-handled latency: one message at a time, and in bursts.
    let queueLatency: RoundsPlan
    let queueLatencyBurst: RoundsPlan
    /// Memory held per message queued behind a blocked handler.
    let queueMemory: MemoryPlan
    /// Durable end-to-end throughput in one process (SQLite, PostgreSQL).
    let durable: ThroughputPlan
    /// Durable end-to-end throughput with two `waku-worker` processes (PostgreSQL).
    let processes: ThroughputPlan
    /// Claim cost against queue depth: pending rows pre-filled before measuring.
    let depths: [Int]
    /// The same with the rows spread over groups.
    let groupedDepths: [Int]
    let claim: ClaimPlan
    /// Batch publish: `burst` messages published in one transaction per round.
    let durableBatch: RoundsPlan
    /// Cross-process pickup latency: one delivery at a time to an idle `waku-worker`.
    let pickup: PickupPlan

    static let full = Plans(
        quick: false,
        micro: BatchPlan(warmupNanos: 200_000_000, batchNanos: 500_000, batches: 400),
        bus: LatencyPlan(warmup: 5_000, batches: 1_000, batchSize: 100),
        nested: LatencyPlan(warmup: 3_000, batches: 600, batchSize: 100),
        handwiredBus: BatchPlan(warmupNanos: 200_000_000, batchNanos: 500_000, batches: 400),
        queue: ThroughputPlan(warmupMessages: 4_000, messages: 20_000, runs: 9),
        build: EachPlan(warmup: 1, samples: 11),
        queueLatency: RoundsPlan(burst: 1, warmupRounds: 2_000, rounds: 20_000),
        queueLatencyBurst: RoundsPlan(burst: 32, warmupRounds: 60, rounds: 600),
        queueMemory: MemoryPlan(messages: 100_000, runs: 5),
        durable: ThroughputPlan(warmupMessages: 500, messages: 10_000, runs: 3),
        processes: ThroughputPlan(warmupMessages: 0, messages: 10_000, runs: 3),
        depths: [10_000, 100_000, 1_000_000],
        groupedDepths: [10_000, 100_000],
        claim: ClaimPlan(batch: 64, warmupRounds: 20, rounds: 200),
        durableBatch: RoundsPlan(burst: 1_000, warmupRounds: 3, rounds: 20),
        pickup: PickupPlan(warmup: 5, samples: 200, maxGap: .milliseconds(250)))

    static let smoke = Plans(
        quick: true,
        micro: BatchPlan(warmupNanos: 10_000_000, batchNanos: 500_000, batches: 20),
        bus: LatencyPlan(warmup: 300, batches: 20, batchSize: 100),
        nested: LatencyPlan(warmup: 200, batches: 15, batchSize: 100),
        handwiredBus: BatchPlan(warmupNanos: 10_000_000, batchNanos: 500_000, batches: 20),
        queue: ThroughputPlan(warmupMessages: 400, messages: 2_000, runs: 3),
        build: EachPlan(warmup: 0, samples: 3),
        queueLatency: RoundsPlan(burst: 1, warmupRounds: 200, rounds: 2_000),
        queueLatencyBurst: RoundsPlan(burst: 32, warmupRounds: 5, rounds: 60),
        queueMemory: MemoryPlan(messages: 20_000, runs: 3),
        durable: ThroughputPlan(warmupMessages: 100, messages: 1_000, runs: 2),
        processes: ThroughputPlan(warmupMessages: 0, messages: 2_000, runs: 1),
        depths: [1_000, 10_000],
        groupedDepths: [1_000, 10_000],
        claim: ClaimPlan(batch: 64, warmupRounds: 5, rounds: 40),
        durableBatch: RoundsPlan(burst: 1_000, warmupRounds: 1, rounds: 5),
        pickup: PickupPlan(warmup: 2, samples: 30, maxGap: .milliseconds(250)))
}

/// Batches of a tight loop; the batch size is calibrated so one batch takes about `batchNanos`.
struct BatchPlan {
    let warmupNanos: UInt64
    let batchNanos: UInt64
    let batches: Int
}

/// `batches × batchSize` operations, each timed on its own, after `warmup` untimed ones.
struct LatencyPlan {
    let warmup: Int
    let batches: Int
    let batchSize: Int
}

/// `runs` runs of `messages` messages each, after one warm-up run of `warmupMessages`.
struct ThroughputPlan {
    let warmupMessages: Int
    let messages: Int
    let runs: Int
}

/// Long operations timed one by one.
struct EachPlan {
    let warmup: Int
    let samples: Int
}

/// `rounds` rounds of `burst` messages each (a round waits until its messages were handled),
/// after `warmupRounds` untimed ones.
struct RoundsPlan {
    let burst: Int
    let warmupRounds: Int
    let rounds: Int
}

/// `runs` times (after one warm-up run): queue `messages` behind a blocked handler, then drain.
struct MemoryPlan {
    let messages: Int
    let runs: Int
}

/// `rounds` claims of up to `batch` deliveries (each completed at once), after `warmupRounds`.
struct ClaimPlan {
    let batch: Int
    let warmupRounds: Int
    let rounds: Int
}

/// `samples` deliveries inserted one at a time (after `warmup` untimed ones), each after an idle
/// gap drawn uniformly from `0 ..< maxGap`, so an insert lands at a random point of a polling
/// consumer's cycle.
struct PickupPlan {
    let warmup: Int
    let samples: Int
    let maxGap: Duration
}
