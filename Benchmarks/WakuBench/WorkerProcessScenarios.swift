import Foundation
import PostgresNIO
import WakuPostgres

/// `durable.postgres.throughput.2proc`: two `waku-worker --consume --no-job-log` processes share
/// one PostgreSQL queue; a third, `waku-worker --produce N --producers 64`, publishes N jobs
/// through its bus from 64 concurrent tasks (as `durable.postgres.throughput` does: each publish
/// returns once its row is committed, and concurrent inserts share commits). The handler does no
/// database work, as in the one-process scenario, so both measure the same work: persist, claim,
/// handle, finalize. Everything is read from the deliveries table, on the database's own clock,
/// so process start-up is not counted: every one of the N deliveries must be handled; msg/s =
/// N / (last `finished_at` − first `created_at`); p50/p99 = each delivery's `finished_at` −
/// `created_at` (persisted to finalized). Exactly once: the handled counts the two workers print
/// at exit must add up to N.
///
/// `durable.postgres.throughput.2proc.logged`: the same, but the handler logs each job in
/// `waku_worker_log` in a transaction of its own (BEGIN, INSERT, COMMIT through
/// `TransactionalBehavior`), the log the crash, order and exactly-once tests read. Measured from
/// that log: msg/s = N / (last job logged − first delivery inserted); p50/p99 = each job's
/// `handled_at` − its delivery's `created_at`. Baselined on the unlogged scenario, so its ratio
/// is what the per-job transaction costs.
enum WorkerProcessScenarios {
    static let workerVariable = "WAKU_BENCH_WORKER"
    static let consumerCount = 2
    /// The durable endpoint `waku-worker` consumes.
    static let endpoint = "jobs"

    static func twoProcesses(jobLog: Bool) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            let plan = plans.processes
            _ = try BenchDatabase.postgresURL(.messagesPerSecond)
            let binary = try workerBinary()
            var rates: [Double] = []
            var latencies: [UInt64] = []
            var perWorker: [String] = []
            for _ in 0 ..< plan.runs {
                let run = try await BenchDatabase.withPostgres(.messagesPerSecond, prefix: "proc") { store, url in
                    try await runOnce(binary: binary, url: url, store: store, jobs: plan.messages, jobLog: jobLog)
                }
                rates.append(run.rate)
                latencies += run.latencies
                perWorker.append(run.perWorker)
                sink.consume(run.latencies.count)
            }
            let latency = try Measurement.latency(latencies)
            let handler = jobLog
                ? "the handler logs each job in a transaction of its own; times from the job log"
                : "the handler does no database work; p50/p99: persisted to finalized"
            return Measurement(
                unit: .messagesPerSecond, median: Statistics.median(rates), p50: latency.p50, p99: latency.p99,
                iterations: plan.messages * plan.runs,
                note: "two waku-worker processes (concurrency 4 each) and a producer process (\(DurableScenarios.producers) concurrent "
                    + "publishing tasks); \(grouped(Double(plan.messages), decimals: 0)) jobs per run; jobs per worker: "
                    + "\(perWorker.joined(separator: ", ")); \(handler), on the database clock")
        }
    }

    private struct Run {
        let rate: Double
        let latencies: [UInt64]
        let perWorker: String
    }

    private static func runOnce(
        binary: String, url: String, store: PostgresDurableStore, jobs: Int, jobLog: Bool
    ) async throws -> Run {
        let timeout = Duration.seconds(max(120, jobs / 50))
        var consumers: [WorkerChild] = []
        defer { for consumer in consumers { consumer.stop() } }
        for index in 0 ..< consumerCount {
            consumers.append(try WorkerChild(
                binary: binary, name: "consumer-\(index)",
                arguments: ["--store", url, "--consume", "--until-handled", "\(jobs)", "--concurrency", "4"]
                    + (jobLog ? [] : ["--no-job-log"])))
        }
        for consumer in consumers {
            try await consumer.waitForOutput("consuming", timeout: .seconds(60))
        }
        let producer = try WorkerChild(
            binary: binary, name: "producer",
            arguments: ["--store", url, "--produce", "\(jobs)", "--producers", "\(DurableScenarios.producers)"])
        defer { producer.stop() }
        try await producer.waitForExit(timeout: timeout)
        var counts: [Int] = []
        for consumer in consumers {
            try await consumer.waitForExit(timeout: timeout)
            counts.append(try consumer.handledCount())
        }
        // Crash-free, so every job ran exactly once: a redelivery would show as a surplus.
        let handled = counts.reduce(0, +)
        guard handled == jobs else {
            throw BenchFailure("the workers handled \(handled) jobs (\(counts.map(String.init).joined(separator: " + "))) for \(jobs) published")
        }
        let schema = try requireSchema(store)
        let (seconds, latencies) = if jobLog {
            try await timesFromLog(store, schema: schema, jobs: jobs)
        } else {
            try await timesFromDeliveries(store, schema: schema, jobs: jobs)
        }
        return Run(rate: Double(jobs) / max(seconds, 1e-9), latencies: latencies,
                   perWorker: counts.sorted(by: >).map { grouped(Double($0), decimals: 0) }.joined(separator: "/"))
    }

    /// The run's window and each delivery's latency, from the deliveries table alone: persisted
    /// (`created_at`) to finalized (`finished_at`). Every delivery must be handled.
    private static func timesFromDeliveries(
        _ store: PostgresDurableStore, schema: String, jobs: Int
    ) async throws -> (seconds: Double, latencies: [UInt64]) {
        let deliveries = "\"\(schema)\".waku_deliveries"
        var binds = PostgresBindings(capacity: 1)
        binds.append(endpoint)
        let totals = try await store.query(PostgresQuery(unsafeSQL: """
            SELECT count(*)::int8, (count(*) FILTER (WHERE status = 1))::int8,
                extract(epoch FROM max(finished_at) - min(created_at))::float8
            FROM \(deliveries) WHERE endpoint = $1
            """, binds: binds))
        guard let row = totals.first else { throw BenchFailure("no totals") }
        let (rows, handled, seconds) = try row.decode((Int, Int, Double?).self)
        guard rows == jobs else { throw BenchFailure("the store holds \(rows) deliveries for \(jobs) jobs published") }
        guard handled == jobs, let seconds else { throw BenchFailure("the store marked \(handled) of \(jobs) deliveries handled") }

        var latencies: [UInt64] = []
        latencies.reserveCapacity(jobs)
        for latencyRow in try await store.query(PostgresQuery(unsafeSQL: """
            SELECT (extract(epoch FROM finished_at - created_at) * 1e9)::int8 FROM \(deliveries) WHERE endpoint = $1
            """, binds: binds)) {
            latencies.append(UInt64(max(0, try latencyRow.decode(Int.self))))
        }
        return (seconds, latencies)
    }

    /// The run's window and each job's latency from the job log the handler wrote: delivery
    /// inserted (`created_at`) to job logged (`handled_at`). Every job must be logged once.
    private static func timesFromLog(
        _ store: PostgresDurableStore, schema: String, jobs: Int
    ) async throws -> (seconds: Double, latencies: [UInt64]) {
        let log = "\"\(schema)\".waku_worker_log"
        let deliveries = "\"\(schema)\".waku_deliveries"
        let totals = try await store.query(PostgresQuery(unsafeSQL: """
            SELECT (SELECT count(DISTINCT job_id) FROM \(log))::int8, (SELECT count(*) FROM \(log))::int8,
                extract(epoch FROM (SELECT max(handled_at) FROM \(log)) - (SELECT min(created_at) FROM \(deliveries)))::float8
            """))
        guard let row = totals.first else { throw BenchFailure("no totals") }
        let (distinct, rows, seconds) = try row.decode((Int, Int, Double?).self)
        guard distinct == jobs, let seconds else { throw BenchFailure("the workers logged \(distinct) of \(jobs) jobs") }
        guard rows == jobs else { throw BenchFailure("\(rows - jobs) duplicate handlings in a crash-free run") }

        var latencies: [UInt64] = []
        latencies.reserveCapacity(jobs)
        for latencyRow in try await store.query(PostgresQuery(unsafeSQL: """
            SELECT (extract(epoch FROM l.handled_at - d.created_at) * 1e9)::int8
            FROM \(log) l JOIN \(deliveries) d ON (convert_from(d.payload, 'UTF8')::jsonb ->> 'id')::int = l.job_id
            """)) {
            latencies.append(UInt64(max(0, try latencyRow.decode(Int.self))))
        }
        return (seconds, latencies)
    }

    private static func requireSchema(_ store: PostgresDurableStore) throws -> String {
        guard let schema = store.schemaName else { throw BenchFailure("the store has no schema") }
        return schema
    }

    /// `WAKU_BENCH_WORKER`, else `waku-worker` next to this executable (`swift build -c release
    /// --product waku-worker` puts it there; scripts/bench does so).
    static func workerBinary(unit: MeasureUnit = .messagesPerSecond) throws -> String {
        if let path = ProcessInfo.processInfo.environment[workerVariable], !path.isEmpty { return path }
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        let candidate = executable.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("waku-worker").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw ScenarioSkipped(
                unit: unit,
                reason: "waku-worker is not built next to waku-bench: run `swift build -c release --product waku-worker` "
                    + "(scripts/bench does), or set \(workerVariable)")
        }
        return candidate
    }
}

/// A `waku-worker` child process whose output goes to a temporary file (a pipe could fill up
/// and block it).
final class WorkerChild {
    let name: String
    private let process = Process()
    private let outputURL: URL

    init(binary: String, name: String, arguments: [String]) throws {
        self.name = name
        outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("waku-bench-\(name)-\(UUID().uuidString.prefix(8)).log")
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil) else {
            throw BenchFailure("cannot create \(outputURL.path)")
        }
        let output = try FileHandle(forWritingTo: outputURL)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try? output.close()
    }

    deinit { try? FileManager.default.removeItem(at: outputURL) }

    var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    /// The count of `waku-worker --consume`'s last line, "waku-worker PID: stopped; handled
    /// COUNT job(s) in …": the jobs its handler ran.
    func handledCount() throws -> Int {
        let marker = ": stopped; handled "
        guard let line = output.split(separator: "\n").last(where: { $0.contains(marker) }),
              let range = line.range(of: marker),
              let count = Int(line[range.upperBound...].prefix(while: \.isNumber))
        else { throw BenchFailure("waku-worker \(name) printed no handled count:\n\(output)") }
        return count
    }

    func waitForOutput(_ text: String, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while !output.contains(text) {
            guard process.isRunning else { throw BenchFailure("waku-worker \(name) exited early:\n\(output)") }
            guard ContinuousClock.now < deadline else { throw BenchFailure("waku-worker \(name) did not print '\(text)':\n\(output)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func waitForExit(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw BenchFailure("waku-worker \(name) still running after \(timeout):\n\(output)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard process.terminationStatus == 0 else {
            throw BenchFailure("waku-worker \(name) exited with status \(process.terminationStatus):\n\(output)")
        }
    }

    /// SIGTERM if still running (graceful: releases leases), then SIGKILL after 5 s.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
