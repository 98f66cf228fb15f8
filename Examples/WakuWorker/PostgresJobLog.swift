#if SQLite && Postgres
import PostgresNIO
import WakuMessaging
import WakuPostgres

/// The job log in PostgreSQL, next to the store's tables (same schema).
struct PostgresJobLog: JobLog {
    let store: PostgresDurableStore

    var table: String { store.schemaName.map { "\"\($0)\".waku_worker_log" } ?? "waku_worker_log" }

    /// Creates the table. The store's own `prepare()` runs first (it creates the schema); an
    /// advisory lock keeps processes starting together from racing on `CREATE TABLE`.
    func prepare() async throws {
        try await store.prepare()
        let unitOfWork = store.unitOfWork()
        try await withUnitOfWork(unitOfWork) {
            try await unitOfWork.query("SELECT pg_advisory_xact_lock(2119)")
            try await unitOfWork.query(PostgresQuery(unsafeSQL: """
                CREATE TABLE IF NOT EXISTS \(table) (
                    id bigserial PRIMARY KEY,
                    job_id integer NOT NULL,
                    worker_pid integer NOT NULL,
                    grp text NULL,
                    seq integer NOT NULL,
                    handled_at timestamptz NOT NULL DEFAULT clock_timestamp()
                )
                """))
        }
    }

    func distinctJobs() async throws -> Int {
        let rows = try await store.query(PostgresQuery(unsafeSQL: "SELECT count(DISTINCT job_id)::int8 FROM \(table)"))
        return try rows.first?.decode(Int.self) ?? 0
    }

    func stats() async throws -> JobStats {
        var stats = JobStats()
        let totals = try await store.query(PostgresQuery(unsafeSQL: """
            SELECT count(DISTINCT job_id)::int8, count(*)::int8, count(DISTINCT worker_pid)::int8 FROM \(table)
            """))
        if let row = totals.first {
            (stats.distinct, stats.rows, stats.workers) = try row.decode((Int, Int, Int).self)
        }
        var ordered: [(group: String, seq: Int, job: Int)] = []
        let rows = try await store.query(PostgresQuery(unsafeSQL: """
            SELECT grp, seq::int8, job_id::int8 FROM \(table) WHERE grp IS NOT NULL ORDER BY id
            """))
        for row in rows {
            let (group, seq, job) = try row.decode((String, Int, Int).self)
            ordered.append((group, seq, job))
        }
        stats.orderViolations = JobStats.orderViolations(ordered)
        stats.pending = try await store.pendingCount(endpoint: WorkerModule.endpoint)
        stats.dead = try await store.deadCount(endpoint: WorkerModule.endpoint)
        return stats
    }
}

/// Logs a job in the request's PostgreSQL unit of work.
struct PostgresJobRecorder: JobRecorder {
    let unitOfWork: PostgresUnitOfWork
    let table: String

    func record(_ job: Job, worker: Int32) async throws {
        var binds = PostgresBindings(capacity: 4)
        binds.append(job.id)
        binds.append(Int(worker))
        binds.append(job.group)
        binds.append(job.seq)
        try await unitOfWork.query(PostgresQuery(
            unsafeSQL: "INSERT INTO \(table) (job_id, worker_pid, grp, seq) VALUES ($1::int4, $2::int4, $3, $4::int4)", binds: binds))
    }
}
#endif
