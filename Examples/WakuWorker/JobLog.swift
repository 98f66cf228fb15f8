#if SQLite && Postgres
import Foundation

/// The table `waku_worker_log`: one row per handled job, written by the handler as business
/// data (not through the durable store).
protocol JobLog: Sendable {
    /// Creates the table if needed.
    func prepare() async throws
    /// Distinct jobs logged so far.
    func distinctJobs() async throws -> Int
    func stats() async throws -> JobStats
}

/// Writes one log row inside the request's unit of work.
protocol JobRecorder: Sendable {
    func record(_ job: Job, worker: Int32) async throws
}

/// `--no-job-log`: records nothing, so the handler does no database work.
struct NoJobRecorder: JobRecorder {
    func record(_ job: Job, worker: Int32) async throws {}
}

struct JobStats: Sendable, CustomStringConvertible {
    /// Distinct jobs handled.
    var distinct = 0
    /// Log rows (a job handled twice has two).
    var rows = 0
    /// Times a job of a group was handled after a later job of its group (log order), first
    /// handlings only: 0 when every group was processed strictly in order.
    var orderViolations = 0
    /// Worker processes that handled jobs.
    var workers = 0
    var pending = 0
    var dead = 0

    var duplicates: Int { rows - distinct }

    var description: String {
        """
        handled (distinct jobs): \(distinct)
        log rows:                \(rows)
        duplicates:              \(duplicates)
        group order violations:  \(orderViolations)
        worker processes:        \(workers)
        pending deliveries:      \(pending)
        dead letters:            \(dead)
        """
    }

    /// Counts order violations from the log rows in handling order: (group, seq) per row.
    static func orderViolations(_ rows: [(group: String, seq: Int, job: Int)]) -> Int {
        var seen = Set<Int>()
        var lastSeq: [String: Int] = [:]
        var violations = 0
        for row in rows where seen.insert(row.job).inserted {
            if let last = lastSeq[row.group], row.seq < last { violations += 1 }
            lastSeq[row.group] = max(row.seq, lastSeq[row.group] ?? row.seq)
        }
        return violations
    }
}
#endif
