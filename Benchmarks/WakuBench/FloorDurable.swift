import Foundation
import PostgresNIO

/// `floor.durable.commit64`: what the database and its disk allow for the work
/// `durable.postgres.throughput` asks of them, without waku. 64 connections (postgres-nio
/// directly, no pool), each inserting one row at a time into a bare table (`id bigserial`,
/// a small `bytea` payload, no other index), every INSERT its own transaction: the statement
/// commits before it returns, so with `synchronous_commit = on` each waits for its WAL flush
/// (PostgreSQL flushes concurrent commits together). Rows committed per second, median over runs
/// of N rows each (as `durable.postgres.throughput`'s runs of N messages).
///
/// The note adds the commit latency of a single writer (100 single-row INSERTs one after another,
/// after the warm-up: each waits for its own WAL flush), the bound 64 ÷ that latency, and how
/// many rows shared each WAL flush during the runs and how often the cluster flushed. On a disk
/// other processes write to, the flush latency varies from one moment to the next (several
/// times over), so compare rows of the same run.
///
/// With `fsync` on, 64 writers that each wait for their own commit are bounded near 64 ÷ the WAL
/// flush latency, and this row shows where that bound is on this machine. The store can go past
/// it only by sharing commits: its group commit writes the publishes of concurrent producers of
/// one process in one statement and one commit (and each delivery also costs a claim and a
/// finalize write, batched the same way).
enum FloorDurable {
    static func commit(connections count: Int) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            let url = try BenchDatabase.postgresURL(.messagesPerSecond)
            let plan = plans.durable
            let schema = BenchDatabase.uniqueSchema("floor")
            let table = "\"\(schema)\".floor_commit"
            let connections = try await PostgresDirect.connect(url, count: count)
            do {
                let setup = connections[0]
                for sql in [
                    "CREATE SCHEMA \"\(schema)\"",
                    "CREATE TABLE \(table) (id bigserial PRIMARY KEY, payload bytea NOT NULL)",
                ] {
                    _ = try await setup.query(PostgresQuery(unsafeSQL: sql), logger: PostgresDirect.logger).collect()
                }
                var inserted = 0
                func run(_ rows: Int) async throws -> UInt64 {
                    let first = inserted
                    let start = MonotonicClock.now()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (index, connection) in connections.enumerated() {
                            // Connection c inserts rows first + c, first + c + count, …
                            let ids = Array(stride(from: first + index, to: first + rows, by: count))
                            group.addTask {
                                for id in ids {
                                    var binds = PostgresBindings(capacity: 1)
                                    binds.append(ByteBuffer(string: "{\"id\":\(id),\"sentAt\":\(id)}"))
                                    _ = try await connection.query(
                                        PostgresQuery(unsafeSQL: "INSERT INTO \(table) (payload) VALUES ($1)", binds: binds),
                                        logger: PostgresDirect.logger
                                    ).collect()
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let elapsed = MonotonicClock.now() &- start
                    inserted += rows
                    sink.consume(rows)
                    return elapsed
                }
                if plan.warmupMessages > 0 { _ = try await run(plan.warmupMessages) }
                // One writer alone: each commit waits for a WAL flush of its own.
                var single: [Double] = []
                for id in 0 ..< 100 {
                    var binds = PostgresBindings(capacity: 1)
                    binds.append(ByteBuffer(string: "{\"id\":\(id),\"sentAt\":\(id)}"))
                    let start = MonotonicClock.now()
                    _ = try await setup.query(
                        PostgresQuery(unsafeSQL: "INSERT INTO \(table) (payload) VALUES ($1)", binds: binds), logger: PostgresDirect.logger
                    ).collect()
                    single.append(Double(MonotonicClock.now() &- start))
                }
                inserted += single.count
                let commitNanos = Statistics.median(single)
                let flushesBefore = await PostgresDirect.walFlushes(connections)
                var rates: [Double] = []
                var measuredNanos: UInt64 = 0
                for _ in 0 ..< plan.runs {
                    let elapsed = try await run(plan.messages)
                    measuredNanos &+= elapsed
                    rates.append(Double(plan.messages) / (Double(max(elapsed, 1)) / 1e9))
                }
                let flushesAfter = await PostgresDirect.walFlushes(connections)
                var flushes = ""
                if let before = flushesBefore, let after = flushesAfter, after > before {
                    let count = Double(after - before)
                    flushes = "; during the runs \(grouped(Double(plan.messages * plan.runs) / count)) rows shared each WAL flush, "
                        + "one flush every \(formatNanos(Double(measuredNanos) / count))"
                }
                let rows = try await setup.query(
                    PostgresQuery(unsafeSQL: "SELECT count(*)::int8 FROM \(table)"), logger: PostgresDirect.logger
                ).collect()
                guard let counted = try rows.first?.decode(Int.self), counted == inserted else {
                    throw BenchFailure("the floor table holds a different number of rows than the \(inserted) inserted")
                }
                _ = try? await setup.query(PostgresQueryText.dropSchema(schema), logger: PostgresDirect.logger).collect()
                await PostgresDirect.close(connections)
                return Measurement(
                    unit: .messagesPerSecond, median: Statistics.median(rates), p50: nil, p99: nil,
                    iterations: plan.messages * plan.runs,
                    note: "rows committed per second: \(count) postgres-nio connections, each a single-row INSERT into a bare "
                        + "table per transaction (no waku); \(grouped(Double(plan.messages), decimals: 0)) rows per run. "
                        + "what the cluster allows 64 writers that each wait for their own commit. One writer alone: "
                        + "\(formatNanos(commitNanos)) per commit (it waits for its WAL flush); at that latency \(count) writers reach "
                        + "at most \(count) ÷ that = \(grouped(Double(count) / (commitNanos / 1e9), decimals: 0)) rows/s (every flush shared by "
                        + "all)\(flushes)")
            } catch {
                _ = try? await connections[0].query(PostgresQueryText.dropSchema(schema), logger: PostgresDirect.logger).collect()
                await PostgresDirect.close(connections)
                throw error
            }
        }
    }
}
