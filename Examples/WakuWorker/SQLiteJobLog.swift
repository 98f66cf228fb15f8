#if SQLite && Postgres
import SQLiteNIO
import WakuMessaging
import WakuSQLite

/// The job log in the store's SQLite file. Reads use a connection of their own; each handled
/// job is logged in the handler's unit of work (`SQLiteJobRecorder`).
struct SQLiteJobLog: JobLog {
    let store: SQLiteDurableStore

    /// Runs `body` on a connection of its own (reads and the table's creation need no unit of
    /// work), waiting for the file's write lock rather than failing at once.
    private func withConnection<R>(_ body: (SQLiteConnection) async throws -> R) async throws -> R {
        let connection = try await SQLiteConnection.open(storage: .file(path: store.path))
        do {
            _ = try await connection.query("PRAGMA busy_timeout = 10000")
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    func prepare() async throws {
        try await store.prepare()
        try await withConnection { connection in
            _ = try await connection.query("""
                CREATE TABLE IF NOT EXISTS waku_worker_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    job_id INTEGER NOT NULL,
                    worker_pid INTEGER NOT NULL,
                    grp TEXT NULL,
                    seq INTEGER NOT NULL,
                    handled_at REAL NOT NULL DEFAULT (julianday('now'))
                )
                """)
        }
    }

    func distinctJobs() async throws -> Int {
        try await withConnection { connection in
            try await connection.query("SELECT count(DISTINCT job_id) AS n FROM waku_worker_log").first?.column("n")?.integer ?? 0
        }
    }

    func stats() async throws -> JobStats {
        var stats = try await withConnection { connection in
            var stats = JobStats()
            if let row = try await connection.query(
                "SELECT count(DISTINCT job_id) AS d, count(*) AS n, count(DISTINCT worker_pid) AS w FROM waku_worker_log").first {
                stats.distinct = row.column("d")?.integer ?? 0
                stats.rows = row.column("n")?.integer ?? 0
                stats.workers = row.column("w")?.integer ?? 0
            }
            let rows = try await connection.query("SELECT grp, seq, job_id FROM waku_worker_log WHERE grp IS NOT NULL ORDER BY id")
            stats.orderViolations = JobStats.orderViolations(rows.compactMap { row in
                guard let group = row.column("grp")?.string, let seq = row.column("seq")?.integer,
                      let job = row.column("job_id")?.integer else { return nil }
                return (group, seq, job)
            })
            return stats
        }
        stats.pending = try await store.pendingCount(endpoint: WorkerModule.endpoint)
        stats.dead = try await store.deadLetters(endpoint: WorkerModule.endpoint).count
        return stats
    }
}

/// Logs a job in the request's SQLite unit of work.
struct SQLiteJobRecorder: JobRecorder {
    let unitOfWork: SQLiteUnitOfWork

    func record(_ job: Job, worker: Int32) async throws {
        try await unitOfWork.query(
            "INSERT INTO waku_worker_log (job_id, worker_pid, grp, seq) VALUES (?, ?, ?, ?)",
            [.integer(job.id), .integer(Int(worker)), job.group.map { .text($0) } ?? .null, .integer(job.seq)])
    }
}
#endif
