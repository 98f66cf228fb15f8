#if SQLite && Postgres
import SQLiteNIO
import Foundation
import PostgresNIO
import Testing
import WakuMessaging
import WakuPostgres
import WakuSQLite

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Leases with real `waku-worker` processes: a handler slower than the lease never runs twice,
// a killed worker's rows come back within one lease, and a stop with a stuck handler is bounded.

/// One consumer, 128 jobs, a lease of 1 s and handlers of 300 ms: a batch of 64 with four
/// handlers at once takes about 4.8 s, so every batch outlives its original lease many times.
private let slowHandlerOptions = [
    "--until-handled", "128", "--lease-ms", "1000", "--handler-delay-ms", "300", "--concurrency", "4", "--batch-size", "64",
]

/// Stops leftover children when a test fails half-way.
private func stopAll(_ workers: [WorkerProcess]) async {
    for worker in workers where worker.isRunning {
        worker.crash()
        await worker.waitForExit(timeout: .seconds(5))
    }
}

@Suite("Leases with waku-worker processes on SQLite", .timeLimit(.minutes(10)))
struct SQLiteLeaseProcessTests {
    @Test("a handler slower than the lease runs once: the heartbeat keeps the claim")
    func slowHandler() async throws {
        let path = temporarySQLitePath()
        let store = "sqlite:\(path)"
        let file = SQLiteWorkerFile(path: path)
        _ = try await WorkerProcess.run("sqlite-slow-produce", ["--store", store, "--produce", "128"])
        let worker = try WorkerProcess("sqlite-slow", ["--store", store, "--consume"] + slowHandlerOptions)
        let status = await worker.waitForExit(timeout: .seconds(180))
        await stopAll([worker])
        #expect(status == 0, "\(worker.output)")
        let duplicates = try await file.duplicates()
        #expect(try await file.distinct() == 128)
        #expect(duplicates.isEmpty, "jobs handled twice: \(duplicates)")
        #expect(try await file.logRows() == 128)
    }

    @Test("a killed worker's rows are claimable again within one lease (5 s by default)")
    func rescueBound() async throws {
        let path = temporarySQLitePath()
        let store = "sqlite:\(path)"
        _ = try await WorkerProcess.run("sqlite-rescue-produce", ["--store", store, "--produce", "40"])
        // Default lease (5 s). Slow handlers, so the victim holds a batch when it dies.
        let victim = try WorkerProcess("sqlite-rescue-victim", ["--store", store, "--consume", "--handler-delay-ms", "400"])
        var workers = [victim]
        do {
            let file = SQLiteWorkerFile(path: path)
            #expect(try await eventually(timeout: .seconds(60)) { try await file.distinct() >= 4 }, "\(victim.output)")
            victim.crash()
            #expect(await victim.waitForExit(timeout: .seconds(10)) == 128 + SIGKILL)
            let rows = try await rawSQLite(path, """
                SELECT count(*) AS n, MAX(lease_until) - CAST(strftime('%s', 'now') AS REAL) AS left
                FROM waku_deliveries WHERE status = 0 AND lease_owner IS NOT NULL
                """)
            let leased = rows.first?.column("n")?.integer ?? 0
            let left = rows.first?.column("left")?.double ?? .infinity
            #expect(leased > 0, "the victim held rows when it died")
            // Whole seconds on the right: allow one second of rounding.
            #expect(left <= 5 + 1, "the longest lease left runs \(left) s past the kill, more than one lease")

            let survivor = try WorkerProcess("sqlite-rescue-survivor", ["--store", store, "--consume", "--until-handled", "40"])
            workers.append(survivor)
            #expect(await survivor.waitForExit(timeout: .seconds(120)) == 0, "\(survivor.output)")
            #expect(try await file.distinct() == 40)
            #expect(try await file.logRows() - 40 <= leased, "duplicates only from the killed worker's claims")
        } catch {
            await stopAll(workers)
            throw error
        }
        await stopAll(workers)
    }
}

extension PostgresDurableTests {
    private func leaseStore() async throws -> (PostgresDurableStore, String) {
        let schema = TestDatabase.uniqueSchema("l")
        let store = try TestDatabase.makeStore(schema: schema)
        try await store.prepare()
        return (store, try TestDatabase.url(schema: schema))
    }

    @Test("PostgreSQL: a handler slower than the lease runs once: the heartbeat keeps the claim")
    func slowHandlerProcess() async throws {
        let (store, url) = try await leaseStore()
        _ = try await WorkerProcess.run("pg-slow-produce", ["--store", url, "--produce", "128"])
        let worker = try WorkerProcess("pg-slow", ["--store", url, "--consume"] + slowHandlerOptions)
        let status = await worker.waitForExit(timeout: .seconds(180))
        await stopAll([worker])
        #expect(status == 0, "\(worker.output)")
        let log = WorkerLog(store: store)
        let duplicates = try await log.duplicates()
        #expect(try await log.distinct() == 128)
        #expect(duplicates.isEmpty, "jobs handled twice: \(duplicates)")
        #expect(try await store.scalar("SELECT max(attempts)::int8 FROM \(store.qualified("waku_deliveries"))") == 1,
                "no delivery was claimed twice")
        await store.dropSchemaAndShutdown()
    }

    @Test("PostgreSQL: two workers, SIGKILL one mid-batch: the other handles its rows within one lease")
    func rescueWithTwoWorkers() async throws {
        let (store, url) = try await leaseStore()
        let jobs = 120
        _ = try await WorkerProcess.run("pg-rescue-produce", ["--store", url, "--produce", "\(jobs)"])
        // Default lease (5 s); small batches so both workers hold work.
        let options = ["--handler-delay-ms", "150", "--batch-size", "8"]
        let victim = try WorkerProcess("pg-rescue-victim", ["--store", url, "--consume"] + options)
        let survivor = try WorkerProcess("pg-rescue-survivor", ["--store", url, "--consume", "--until-handled", "\(jobs)"] + options)
        let workers = [victim, survivor]
        do {
            let log = WorkerLog(store: store)
            #expect(try await eventually(timeout: .seconds(60)) { (try await log.workers()[Int(victim.pid)] ?? 0) >= 4 },
                    "\(victim.output)")
            victim.crash()
            #expect(await victim.waitForExit(timeout: .seconds(10)) == 128 + SIGKILL)
            let table = store.qualified("waku_deliveries")
            let owner = "%-\(victim.pid)-%"
            var binds = PostgresBindings()
            binds.append(owner)
            let orphaned = try await store.scalar(
                "SELECT count(*)::int8 FROM \(table) WHERE status = 0 AND lease_owner LIKE $1", binds)
            let leftMillis = try await store.scalar(
                "SELECT COALESCE(max(EXTRACT(EPOCH FROM lease_until - now()) * 1000), 0)::int8 FROM \(table) WHERE status = 0 AND lease_owner LIKE $1",
                binds)
            #expect(orphaned > 0, "the victim held rows when it died")
            #expect(leftMillis <= 5_000, "its longest lease ran \(leftMillis) ms past the kill: more than one lease")

            #expect(await survivor.waitForExit(timeout: .seconds(120)) == 0, "\(survivor.output)")
            let (distinct, rows) = (try await log.distinct(), try await log.rows())
            print("rescue: \(orphaned) rows orphaned by SIGKILL, \(leftMillis) ms of lease left; \(rows - distinct) duplicate(s)")
            #expect(distinct == jobs, "every job handled")
            #expect(rows - distinct <= orphaned, "duplicates only from the killed worker's claims")
            #expect(try await store.pendingCount(endpoint: "jobs") == 0)
        } catch {
            await stopAll(workers)
            throw error
        }
        await stopAll(workers)
        await store.dropSchemaAndShutdown()
    }

    @Test("PostgreSQL: SIGTERM with a handler that ignores cancellation stops within the bound; another worker handles the row")
    func boundedStopProcess() async throws {
        let (store, url) = try await leaseStore()
        _ = try await WorkerProcess.run("pg-stuck-produce", ["--store", url, "--produce", "1"])
        let stuck = try WorkerProcess("pg-stuck", [
            "--store", url, "--consume", "--concurrency", "1", "--handler-delay-ms", "30000", "--ignore-cancellation",
            "--stop-timeout-ms", "200", "--lease-ms", "60000",
        ])
        var workers = [stuck]
        do {
            let table = store.qualified("waku_deliveries")
            #expect(try await eventually(timeout: .seconds(60)) {
                try await store.scalar("SELECT count(*)::int8 FROM \(table) WHERE lease_owner IS NOT NULL") == 1
            }, "\(stuck.output)")
            try await Task.sleep(for: .milliseconds(300))
            stuck.terminate()
            // 200 ms stop timeout + 1 s grace; generous slack for a loaded machine, far below the
            // handler's 30 s.
            let status = await stuck.waitForExit(timeout: .seconds(15))
            #expect(status != nil, "the worker exited although its handler never returned: \(stuck.output)")
            #expect(try await store.scalar("SELECT attempts::int8 FROM \(table)") == 0, "no attempt spent")
            #expect(try await store.scalar("SELECT count(*)::int8 FROM \(table) WHERE lease_owner IS NOT NULL") == 0, "released")

            let next = try WorkerProcess("pg-stuck-next", ["--store", url, "--consume", "--until-handled", "1"])
            workers.append(next)
            #expect(await next.waitForExit(timeout: .seconds(60)) == 0, "\(next.output)")
            #expect(try await store.handledCount(endpoint: "jobs") == 1)
            #expect(try await store.scalar("SELECT attempts::int8 FROM \(table)") == 1)
        } catch {
            await stopAll(workers)
            throw error
        }
        await stopAll(workers)
        await store.dropSchemaAndShutdown()
    }

    @Test("waku-worker rejects an empty SQLite path and never prints a password")
    func workerBadInput() async throws {
        let empty = try WorkerProcess("bad-sqlite", ["--store", "sqlite:", "--report"])
        #expect(await empty.waitForExit(timeout: .seconds(30)) == 2)
        #expect(empty.output.contains("needs a file path"), "\(empty.output)")
        let secret = try WorkerProcess("bad-scheme", ["--store", "mysql://u:hunter2@127.0.0.1/x", "--report"])
        #expect(await secret.waitForExit(timeout: .seconds(30)) == 2)
        #expect(!secret.output.contains("hunter2"), "\(secret.output)")
        #expect(secret.output.contains("mysql://u:***@127.0.0.1/x"), "\(secret.output)")
    }
}
#endif
