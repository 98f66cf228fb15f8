import Foundation
import Logging
import PostgresNIO
import SQLiteNIO
import WakuMessaging
import WakuPostgres
import WakuSQLite

/// `durable.<store>.claim.depth<N>`: what one claim costs with N deliveries pending. The store is
/// pre-filled with N pending rows by bulk SQL (the store's own schema, no handlers involved);
/// then each operation is one `claim` of up to 64 deliveries followed by `complete` of what it
/// claimed, as a worker's round trip without the handlers. After each operation the claimed
/// rows are replaced by new ones (untimed), so the depth stays N. ns/op with p50/p99 over the
/// individual operations; baselined on the smallest depth, so growth reads as the ratio.
///
/// `durable.<store>.claim.grouped<G>.depth<N>`: the same with the N rows spread over G groups
/// (row i in group `g<i mod G>`). A claim takes each group's head, then the runs behind the
/// heads, so one operation still claims 64 deliveries; the claim finds the heads by skipping
/// from group to group, so its cost should follow G, not N: the deeper scenario's ratio to the
/// shallower should stay near 1.
enum DepthScenarios {
    static let endpoint = "depth"

    static func sqlite(depth: Int, groups: Int? = nil) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            try await BenchDatabase.withSQLite { store, path in
                let filler = try await SQLiteFiller.open(path: path)
                do {
                    let measurement = try await measure(plans.claim, depth: depth, groups: groups, store: store, sink: sink) { first, count in
                        try await filler.fill(first: first, count: count, groups: groups)
                    }
                    await filler.close()
                    return measurement
                } catch {
                    await filler.close()
                    throw error
                }
            }
        }
    }

    static func postgres(depth: Int, groups: Int? = nil) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            try await BenchDatabase.withPostgres(.nanosPerOp, prefix: "depth") { store, _ in
                let filler = PostgresFiller(store: store)
                return try await measure(plans.claim, depth: depth, groups: groups, store: store, sink: sink) { first, count in
                    try await filler.fill(first: first, count: count, groups: groups)
                }
            }
        }
    }

    private static func measure(
        _ plan: ClaimPlan, depth: Int, groups: Int?, store: any DurableStore, sink: Sink, fill: (Int, Int) async throws -> Void
    ) async throws -> Measurement {
        // Grouped: only each group's head is claimable.
        let perClaim = plan.batch
        let fillStart = MonotonicClock.now()
        // Chunks keep each statement's transaction (and SQLite's write-ahead log) moderate.
        let chunk = 100_000
        var next = 0
        while next < depth {
            let count = min(chunk, depth - next)
            try await fill(next, count)
            next += count
        }
        let fillNanos = Double(MonotonicClock.now() &- fillStart)
        let pending = try await store.pendingCount(endpoint: endpoint)
        guard pending == depth else { throw BenchFailure("pre-filled \(pending) pending rows, expected \(depth)") }

        let owner = "waku-bench-\(ProcessInfo.processInfo.processIdentifier)"
        var samples: [UInt64] = []
        samples.reserveCapacity(plan.rounds)
        for round in 0 ..< plan.warmupRounds + plan.rounds {
            let start = MonotonicClock.now()
            let token = ClaimToken()
            let claimed = try await store.claim(endpoint: endpoint, owner: owner, token: token, limit: plan.batch, lease: .seconds(300))
            try await store.complete(claimed.map(\.id), token: token)
            let elapsed = MonotonicClock.now() &- start
            guard claimed.count == perClaim else { throw BenchFailure("claimed \(claimed.count) of \(perClaim)") }
            if round >= plan.warmupRounds { samples.append(elapsed) }
            sink.consume(claimed.count)
            try await fill(next, claimed.count)
            next += claimed.count
        }
        var measurement = try Measurement.latency(samples, groupSize: 10)
        let spread = groups.map { " in \($0) groups" } ?? ""
        measurement.note = "\(grouped(Double(depth), decimals: 0)) pending\(spread) (pre-filled in \(formatNanos(fillNanos))); "
            + "one op = claim \(perClaim)\(groups == nil ? "" : " (every group's head, then the runs behind them)") + complete them: "
            + "\(formatNanos(measurement.median / Double(perClaim))) per delivery"
        return measurement
    }
}

/// Bulk inserts of pending rows into an SQLite store's file, through a second connection.
struct SQLiteFiller: Sendable {
    let connection: SQLiteConnection

    static func open(path: String) async throws -> SQLiteFiller {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: Logger(label: "waku-bench.fill"))
        do {
            _ = try await connection.query("PRAGMA busy_timeout = 10000")
        } catch {
            try? await connection.close()
            throw error
        }
        return SQLiteFiller(connection: connection)
    }

    /// Rows `first ..< first + count`: message ids are UUIDs made from the row number, payloads
    /// small JSON, due a second ago; with `groups`, row i in group `g<i mod groups>`, else no group.
    func fill(first: Int, count: Int, groups: Int? = nil) async throws {
        let now = Date().timeIntervalSince1970
        _ = try await connection.query("BEGIN IMMEDIATE")
        do {
            _ = try await connection.query(
                """
                WITH RECURSIVE s(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM s WHERE i < ?2)
                INSERT INTO waku_deliveries (message_id, handler, endpoint, message_type, correlation_id, causation_id, payload,
                    headers, timestamp, group_id, available_at, attempts, created_at)
                SELECT printf('00000000-0000-4000-8000-%012X', i), 'waku-bench.handler', ?3, 'waku-bench.depth',
                    '00000000-0000-4000-8000-000000000000', '00000000-0000-4000-8000-000000000000', '{"id":' || i || '}',
                    '{}', ?4, CASE WHEN ?6 > 0 THEN 'g' || (i % ?6) END, ?5, 0, ?4
                FROM s
                """,
                [.integer(first), .integer(first + count - 1), .text(DepthScenarios.endpoint), .float(now), .float(now - 1),
                 .integer(groups ?? 0)])
            _ = try await connection.query("COMMIT")
        } catch {
            _ = try? await connection.query("ROLLBACK")
            throw error
        }
    }

    func close() async {
        try? await connection.close()
    }
}

/// Bulk inserts of pending rows into a PostgreSQL store's schema.
struct PostgresFiller: Sendable {
    let store: PostgresDurableStore

    var table: String { store.schemaName.map { "\"\($0)\".waku_deliveries" } ?? "waku_deliveries" }

    /// Rows `first ..< first + count`, as ``SQLiteFiller/fill(first:count:groups:)`` makes them.
    func fill(first: Int, count: Int, groups: Int? = nil) async throws {
        var binds = PostgresBindings(capacity: 4)
        binds.append(Int64(first))
        binds.append(Int64(first + count - 1))
        binds.append(DepthScenarios.endpoint)
        binds.append(Int64(groups ?? 0))
        try await store.query(PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(table) (message_id, handler, endpoint, message_type, correlation_id, causation_id, payload, headers,
                    "timestamp", group_id, available_at)
                SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'waku-bench.handler', $3, 'waku-bench.depth',
                    '00000000-0000-4000-8000-000000000000'::uuid, '00000000-0000-4000-8000-000000000000'::uuid,
                    convert_to('{"id":' || i || '}', 'UTF8'), '{}'::jsonb, now(),
                    CASE WHEN $4::int8 > 0 THEN 'g' || (i % $4::int8) END, now() - interval '1 second'
                FROM generate_series($1::int8, $2::int8) AS i
                """,
            binds: binds))
        // Fresh statistics after a bulk load, as autovacuum would soon provide.
        if count >= 10_000 { try await store.query(PostgresQuery(unsafeSQL: "ANALYZE \(table)")) }
    }
}

enum PostgresQueryText {
    static func dropSchema(_ name: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \"\(name)\" CASCADE")
    }
}
