#if Postgres
import Foundation
import PostgresNIO
import Testing
import WakuPostgres

/// Reads `waku_worker_log`, the table the `waku-worker` handler writes (business data, not the store).
struct WorkerLog {
    let store: PostgresDurableStore
    var table: String { store.qualified("waku_worker_log") }

    func distinct() async throws -> Int { try await store.scalar("SELECT count(DISTINCT job_id)::int8 FROM \(table)") }
    func rows() async throws -> Int { try await store.scalar("SELECT count(*)::int8 FROM \(table)") }
    func workers() async throws -> [Int: Int] {
        var result: [Int: Int] = [:]
        let rows = try await store.query(PostgresQuery(
            unsafeSQL: "SELECT worker_pid::int8, count(*)::int8 FROM \(table) GROUP BY worker_pid"))
        for row in rows {
            let (pid, count) = try row.decode((Int, Int).self)
            result[pid] = count
        }
        return result
    }

    /// Jobs logged more than once, with how many times.
    func duplicates() async throws -> [Int: Int] {
        var result: [Int: Int] = [:]
        let rows = try await store.query(PostgresQuery(
            unsafeSQL: "SELECT job_id::int8, count(*)::int8 FROM \(table) GROUP BY job_id HAVING count(*) > 1"))
        for row in rows {
            let (job, count) = try row.decode((Int, Int).self)
            result[job] = count
        }
        return result
    }

    /// Per group, the seq values in handling order (log order), first handlings only.
    func sequencesByGroup() async throws -> [String: [Int]] {
        var seen = Set<Int>()
        var result: [String: [Int]] = [:]
        let rows = try await store.query(PostgresQuery(
            unsafeSQL: "SELECT job_id::int8, grp, seq::int8 FROM \(table) WHERE grp IS NOT NULL ORDER BY id"))
        for row in rows {
            let (job, group, seq) = try row.decode((Int, String, Int).self)
            if seen.insert(job).inserted { result[group, default: []].append(seq) }
        }
        return result
    }
}

extension PostgresDurableTests {
    /// A store on a fresh schema, prepared (so child processes find the schema), and its URL.
    private func freshStore() async throws -> (PostgresDurableStore, String) {
        let schema = TestDatabase.uniqueSchema("w")
        let store = try TestDatabase.makeStore(schema: schema)
        try await store.prepare()
        return (store, try TestDatabase.url(schema: schema))
    }

    private func consumer(_ name: String, _ url: String, _ extra: [String]) throws -> WorkerProcess {
        try WorkerProcess(name, ["--store", url, "--consume"] + extra)
    }

    /// Stops leftover children and prints their output when a test fails half-way.
    private func cleanUp(_ workers: [WorkerProcess]) async {
        for worker in workers where worker.isRunning {
            worker.crash()
            await worker.waitForExit(timeout: .seconds(5))
        }
    }

    @Test("per-group FIFO holds with two worker processes")
    func groupOrderAcrossProcesses() async throws {
        let (store, url) = try await freshStore()
        let jobs = 300
        // One delivery per claim, so each process holds at most one group's head at a time and
        // the groups' jobs keep moving between the two processes.
        let options = ["--until-handled", "\(jobs)", "--batch-size", "1", "--handler-delay-ms", "5"]
        let a = try consumer("fifo-a", url, options)
        let b = try consumer("fifo-b", url, options)
        do {
            #expect(await a.waitForOutput("consuming", timeout: .seconds(60)), "\(a.output)")
            #expect(await b.waitForOutput("consuming", timeout: .seconds(60)), "\(b.output)")
            _ = try await WorkerProcess.run("fifo-produce", ["--store", url, "--produce", "\(jobs)", "--groups", "3"])
            let statusA = await a.waitForExit(timeout: .seconds(180))
            let statusB = await b.waitForExit(timeout: .seconds(180))
            #expect(statusA == 0, "\(a.output)")
            #expect(statusB == 0, "\(b.output)")

            let log = WorkerLog(store: store)
            #expect(try await log.distinct() == jobs)
            let sequences = try await log.sequencesByGroup()
            #expect(sequences.keys.sorted() == ["g0", "g1", "g2"])
            for (group, seqs) in sequences.sorted(by: { $0.key < $1.key }) {
                #expect(seqs == Array(0..<(jobs / 3)), "group \(group) handled out of order: \(seqs.prefix(40))…")
            }
            let workers = try await log.workers()
            let handoffs = try await store.scalar("""
                SELECT count(*)::int8 FROM (
                    SELECT worker_pid, lag(worker_pid) OVER (PARTITION BY grp ORDER BY id) AS previous FROM \(log.table)) AS x
                WHERE previous IS NOT NULL AND previous <> worker_pid
                """)
            print("""
                FIFO with two processes: \(jobs) jobs in 3 groups; jobs per worker pid: \(workers); \(handoffs) times a group's \
                next job was handled by the other process; duplicates: \(try await log.rows() - jobs)
                """)
            #expect(workers.count == 2, "both processes handled jobs: \(workers)")
            #expect(handoffs > 0, "groups moved between the processes, so the order was kept across them")
            #expect(try await store.pendingCount(endpoint: "jobs") == 0)
        } catch {
            await cleanUp([a, b])
            throw error
        }
        await cleanUp([a, b])
        await store.dropSchemaAndShutdown()
    }

    @Test("two worker processes, crash-free: every job handled exactly once")
    func exactlyOnceWithTwoProcesses() async throws {
        let (store, url) = try await freshStore()
        let jobs = 2_000
        _ = try await WorkerProcess.run("once-produce", ["--store", url, "--produce", "\(jobs)"])
        let started = ContinuousClock.now
        let a = try consumer("once-a", url, ["--until-handled", "\(jobs)", "--concurrency", "8"])
        let b = try consumer("once-b", url, ["--until-handled", "\(jobs)", "--concurrency", "8"])
        do {
            let statusA = await a.waitForExit(timeout: .seconds(180))
            let statusB = await b.waitForExit(timeout: .seconds(180))
            let elapsed = started.duration(to: .now)
            #expect(statusA == 0, "\(a.output)")
            #expect(statusB == 0, "\(b.output)")
            let log = WorkerLog(store: store)
            let (distinct, rows, workers) = (try await log.distinct(), try await log.rows(), try await log.workers())
            print("exactly once: \(jobs) jobs, \(rows) log rows, \(distinct) distinct, per worker \(workers), in \(elapsed) (incl. start-up)")
            let duplicates = try await log.duplicates()
            #expect(distinct == jobs)
            #expect(rows == jobs, "duplicates in a crash-free run: \(duplicates)")
            #expect(workers.count == 2, "both processes took work: \(workers)")
            #expect(try await store.pendingCount(endpoint: "jobs") == 0)
            #expect(try await store.handledCount(endpoint: "jobs") == jobs)
        } catch {
            await cleanUp([a, b])
            throw error
        }
        await cleanUp([a, b])
        await store.dropSchemaAndShutdown()
    }

    @Test("two worker processes without the job log: every job handled exactly once, no log written")
    func exactlyOnceWithoutJobLog() async throws {
        let (store, url) = try await freshStore()
        let jobs = 1_000
        _ = try await WorkerProcess.run("nolog-produce", ["--store", url, "--produce", "\(jobs)"])
        let options = ["--until-handled", "\(jobs)", "--concurrency", "4", "--no-job-log"]
        let a = try consumer("nolog-a", url, options)
        let b = try consumer("nolog-b", url, options)
        do {
            let statusA = await a.waitForExit(timeout: .seconds(180))
            let statusB = await b.waitForExit(timeout: .seconds(180))
            #expect(statusA == 0, "\(a.output)")
            #expect(statusB == 0, "\(b.output)")
            // The in-memory counts the workers print are the only record of what their handlers ran.
            let counts = [a.handledCount, b.handledCount]
            #expect(counts.allSatisfy { $0 != nil }, "both printed a handled count:\n\(a.output)\n\(b.output)")
            #expect(counts.reduce(0) { $0 + ($1 ?? 0) } == jobs, "crash-free, so each job ran once: \(counts)")
            #expect(try await store.handledCount(endpoint: "jobs") == jobs)
            #expect(try await store.pendingCount(endpoint: "jobs") == 0)
            // The producer creates the log table; the consumers write nothing to it.
            #expect(try await WorkerLog(store: store).rows() == 0, "--no-job-log logs no job")
        } catch {
            await cleanUp([a, b])
            throw error
        }
        await cleanUp([a, b])
        await store.dropSchemaAndShutdown()
    }

    @Test("a worker killed with SIGKILL mid-run loses nothing: a new one handles everything at least once")
    func crashRecovery() async throws {
        let (store, url) = try await freshStore()
        let jobs = 1_500
        // 50 groups: a claim takes up to 50 group heads, so a batch is in flight when the worker dies.
        _ = try await WorkerProcess.run("crash-produce", ["--store", url, "--produce", "\(jobs)", "--groups", "50"])
        let log = WorkerLog(store: store)
        // A short lease, so the killed worker's claims come back quickly.
        let options = ["--concurrency", "4", "--handler-delay-ms", "2", "--lease-ms", "3000"]
        let victim = try consumer("crash-victim", url, options)
        var workers = [victim]
        do {
            #expect(try await eventually(timeout: .seconds(120)) { try await log.distinct() >= 300 }, "\(victim.output)")
            victim.crash()
            #expect(await victim.waitForExit(timeout: .seconds(10)) != nil)
            let atKill = try await log.distinct()
            let leased = try await store.scalar(
                "SELECT count(*)::int8 FROM \(store.qualified("waku_deliveries")) WHERE status = 0 AND lease_owner IS NOT NULL")
            let restarted = ContinuousClock.now
            let survivor = try consumer("crash-survivor", url, options + ["--until-handled", "\(jobs)"])
            workers.append(survivor)
            let status = await survivor.waitForExit(timeout: .seconds(180))
            #expect(status == 0, "\(survivor.output)")

            let (distinct, rows, duplicates) = (try await log.distinct(), try await log.rows(), try await log.duplicates())
            print("""
                crash: killed after \(atKill) of \(jobs) jobs with \(leased) deliveries still leased; the new worker finished \
                in \(restarted.duration(to: .now)); \(distinct) distinct jobs, \(rows) log rows, \(rows - distinct) duplicate(s) \
                (jobs: \(duplicates.keys.sorted()))
                """)
            #expect(distinct == jobs, "every job handled at least once")
            #expect(try await store.pendingCount(endpoint: "jobs") == 0)
            #expect(try await store.deadLetters(endpoint: "jobs").isEmpty)
            // Redeliveries come only from what the killed worker had in flight.
            #expect(rows - distinct <= 64, "duplicates are bounded by the killed worker's claims")
            let sequences = try await log.sequencesByGroup()
            for (group, seqs) in sequences {
                #expect(seqs == seqs.sorted(), "group \(group) out of order after the crash")
            }
        } catch {
            await cleanUp(workers)
            throw error
        }
        await cleanUp(workers)
        await store.dropSchemaAndShutdown()
    }

    @Test("graceful shutdown releases leases: another worker takes over at once, long before the lease expires")
    func shutdownReleasesLeases() async throws {
        let (store, url) = try await freshStore()
        let jobs = 200
        _ = try await WorkerProcess.run("release-produce", ["--store", url, "--produce", "\(jobs)"])
        let log = WorkerLog(store: store)
        let deliveries = store.qualified("waku_deliveries")
        // A 60 s lease: if the second worker finishes quickly, it is not because leases expired.
        let first = try consumer("release-first", url, ["--concurrency", "2", "--handler-delay-ms", "200", "--lease-ms", "60000"])
        var workers = [first]
        do {
            #expect(try await eventually(timeout: .seconds(60)) { try await log.distinct() >= 4 }, "\(first.output)")
            let leasedBefore = try await store.scalar("SELECT count(*)::int8 FROM \(deliveries) WHERE status = 0 AND lease_owner IS NOT NULL")
            first.terminate()
            let stopped = ContinuousClock.now
            let status = await first.waitForExit(timeout: .seconds(30))
            #expect(status == 0, "\(first.output)")
            let stopTook = stopped.duration(to: .now)
            let leasedAfter = try await store.scalar("SELECT count(*)::int8 FROM \(deliveries) WHERE status = 0 AND lease_owner IS NOT NULL")
            #expect(leasedAfter == 0, "SIGTERM released every lease (\(leasedBefore) were held)")
            let remaining = jobs - (try await log.distinct())

            let takeover = ContinuousClock.now
            let second = try consumer("release-second", url, ["--concurrency", "8", "--lease-ms", "60000", "--until-handled", "\(jobs)"])
            workers.append(second)
            let secondStatus = await second.waitForExit(timeout: .seconds(50))
            let took = takeover.duration(to: .now)
            #expect(secondStatus == 0, "\(second.output)")
            #expect(try await log.distinct() == jobs)
            #expect(took < .seconds(40), "the second worker needed \(took), close to the 60 s lease")
            print("shutdown: SIGTERM with \(leasedBefore) leased, stopped in \(stopTook), 0 leases left; the second worker handled the remaining \(remaining) job(s) in \(took) (lease 60 s)")
            #expect(try await store.pendingCount(endpoint: "jobs") == 0)
        } catch {
            await cleanUp(workers)
            throw error
        }
        await cleanUp(workers)
        await store.dropSchemaAndShutdown()
    }

    @Test("database outage: workers back off while the server is down and recover with nothing lost")
    func databaseOutage() async throws {
        let (store, url) = try await freshStore()
        let jobs = 800
        _ = try await WorkerProcess.run("outage-produce", ["--store", url, "--produce", "\(jobs)", "--groups", "4"])
        let log = WorkerLog(store: store)
        // A short acquire timeout, so operations fail during the 6 s outage (instead of just
        // waiting for the pool to reconnect) and the workers' back-off path runs.
        let options = ["--until-handled", "\(jobs)", "--concurrency", "4", "--handler-delay-ms", "10", "--lease-ms", "5000",
                       "--acquire-timeout-ms", "1500"]
        let a = try consumer("outage-a", url, options)
        let b = try consumer("outage-b", url, options)
        var serverDown = false
        do {
            #expect(try await eventually(timeout: .seconds(120)) { try await log.distinct() >= 100 })
            let before = try await log.distinct()
            try await TestDatabase.pgControl("stop")
            serverDown = true
            let outage = ContinuousClock.now
            try await Task.sleep(for: .seconds(6))
            #expect(a.isRunning && b.isRunning, "workers survive the outage")
            try await TestDatabase.pgControl("start")
            serverDown = false
            let down = outage.duration(to: .now)
            let recovered = ContinuousClock.now
            let statusA = await a.waitForExit(timeout: .seconds(180))
            let statusB = await b.waitForExit(timeout: .seconds(180))
            #expect(statusA == 0, "\(a.output)")
            #expect(statusB == 0, "\(b.output)")

            let (distinct, rows) = (try await log.distinct(), try await log.rows())
            let backedOff = [a, b].filter { $0.output.contains("backing off") }.count
            print("""
                outage: server stopped after \(before) of \(jobs) jobs for \(down); workers finished \(recovered.duration(to: .now)) \
                after it came back; \(distinct) distinct, \(rows) rows, \(rows - distinct) duplicate(s); \(backedOff) of 2 workers \
                logged back-off warnings
                """)
            #expect(backedOff >= 1, "the workers saw the outage and backed off:\n\(a.output)\n\(b.output)")
            #expect(distinct == jobs, "nothing lost")
            #expect(try await store.pendingCount(endpoint: "jobs") == 0)
            #expect(try await store.deadLetters(endpoint: "jobs").isEmpty, "nothing dead-lettered by the outage")
            let sequences = try await log.sequencesByGroup()
            for (group, seqs) in sequences {
                #expect(seqs == seqs.sorted(), "group \(group) out of order after the outage")
            }
        } catch {
            if serverDown { try? await TestDatabase.pgControl("start") }
            await cleanUp([a, b])
            throw error
        }
        await cleanUp([a, b])
        await store.dropSchemaAndShutdown()
    }
}
#endif
