#if Postgres
public import Foundation
import Logging
public import PostgresNIO
public import WakuMessaging
import Waku

extension PostgresDurableStore {
    // MARK: Persist

    /// Persists `deliveries` in their own commit, shared with inserts other tasks of this process
    /// make at the same time (group commit): concurrent publishers cost one statement, one round
    /// trip and one commit per group instead of one each. Returns once the rows are committed.
    public func insert(_ deliveries: [StoredDelivery]) async throws {
        guard !deliveries.isEmpty else { return }
        try await groupCommit.submit(deliveries) { rows in
            try await self.execute("insert", self.insertQuery(rows))
            self.announce(rows)
        }
    }

    /// Most rows one group commit writes (one `unnest` statement).
    static let rowsPerGroupCommit = 1_000

    /// One statement for any number of deliveries: arrays unnested into rows. Duplicates of
    /// (message id, handler) are ignored. Availability is computed on the database clock: the
    /// delay is sent, not the app's wall-clock time, so clock skew between hosts cannot hold
    /// immediate deliveries back.
    func insertQuery(_ deliveries: [StoredDelivery]) -> PostgresQuery {
        let now = Date()
        if deliveries.count == 1, let delivery = deliveries.first {
            // The common case (one publish, one handler): plain VALUES plan faster than arrays.
            var binds = PostgresBindings(capacity: 12)
            binds.append(delivery.messageId)
            binds.append(delivery.handler)
            binds.append(delivery.endpoint)
            binds.append(delivery.messageType)
            binds.append(delivery.correlationId)
            binds.append(delivery.causationId)
            binds.append(ByteBuffer(bytes: delivery.payload))
            binds.append(PostgresDeliveryRow.encodeHeaders(delivery.headers))
            binds.append(delivery.timestamp)
            binds.append(delivery.groupId)
            binds.append(max(0, delivery.availableAt.timeIntervalSince(now)))
            binds.append(Int64(delivery.attempts))
            return PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(schema.deliveries) (message_id, handler, endpoint, message_type, correlation_id, causation_id,
                        payload, headers, "timestamp", group_id, available_at, attempts)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::text,
                        CASE WHEN $11::float8 > 0 THEN now() + make_interval(secs => $11::float8) ELSE now() END, $12::int4)
                    ON CONFLICT (message_id, handler) DO NOTHING
                    """,
                binds: binds)
        }
        var binds = PostgresBindings(capacity: 13)
        binds.append(deliveries.map(\.messageId))
        binds.append(deliveries.map(\.handler))
        binds.append(deliveries.map(\.endpoint))
        binds.append(deliveries.map(\.messageType))
        binds.append(deliveries.map(\.correlationId))
        binds.append(deliveries.map(\.causationId))
        binds.append(deliveries.map { ByteBuffer(bytes: $0.payload) })
        binds.append(deliveries.map { PostgresDeliveryRow.encodeHeaders($0.headers) })
        binds.append(deliveries.map(\.timestamp))
        binds.append(deliveries.map { $0.groupId ?? "" })
        binds.append(deliveries.map { $0.groupId != nil })
        binds.append(deliveries.map { max(0, $0.availableAt.timeIntervalSince(now)) })
        binds.append(deliveries.map { Int64($0.attempts) })
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(schema.deliveries) (message_id, handler, endpoint, message_type, correlation_id, causation_id,
                    payload, headers, "timestamp", group_id, available_at, attempts)
                SELECT m, h, e, t, c, k, p, hd::jsonb, ts, CASE WHEN hg THEN g END,
                    CASE WHEN dl > 0 THEN now() + make_interval(secs => dl) ELSE now() END, a::int4
                FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::uuid[], $7::bytea[], $8::text[],
                    $9::timestamptz[], $10::text[], $11::bool[], $12::float8[], $13::int8[])
                    WITH ORDINALITY AS x(m, h, e, t, c, k, p, hd, ts, g, hg, dl, a, n)
                ORDER BY n
                ON CONFLICT (message_id, handler) DO NOTHING
                """,
            binds: binds)
    }

    // MARK: Claim and finalize

    /// Claims up to `limit` due rows of `endpoint` for `owner`, one per group, skipping rows other
    /// claims lock.
    public func claim(
        endpoint: String, owner: String, token: ClaimToken, limit: Int, lease: Duration
    ) async throws -> [StoredDelivery] {
        claimants.withLock { _ = $0.insert(owner) }
        startListening()
        let query = claimQuery(endpoint: endpoint, owner: owner, token: token, limit: limit, lease: lease)
        let rows = try await withConnection("claim") { connection in
            try await connection.guardedRows(query, logger: logger)
        }
        var claimed: [StoredDelivery] = []
        var unreadable: [(Int64, String)] = []
        for row in rows {
            do {
                claimed.append(try PostgresDeliveryRow.decode(row))
            } catch {
                // Never loop on a row that cannot be read: dead-letter it with the reason.
                if let id = try? row.makeRandomAccess()[0].decode(Int64.self) { unreadable.append((id, "unreadable row: \(error)")) }
            }
        }
        for (id, reason) in unreadable {
            logger.error("Durable row cannot be read; dead-lettered", metadata: [
                WakuLogMetadata.Key.store: "\(displayName)",
                WakuLogMetadata.Key.endpoint: "\(endpoint)",
                WakuLogMetadata.Key.rowID: "\(id)",
                WakuLogMetadata.Key.error: "\(reason)",
            ])
            try await deadLetter(id, token: token, error: reason)
        }
        return claimed.sorted { $0.id < $1.id }
    }

    /// The claim: due, unleased pending rows of `endpoint`, oldest first, skipping rows other
    /// workers are claiming right now; of a group, its head and the run of due rows behind it.
    ///
    /// Its cost follows the number of groups, not the number of pending rows: the heads are found
    /// by skipping from one group to the next in `waku_deliveries_pending_group` (a loose index
    /// scan, one probe per group), and ungrouped rows come from an index that holds nothing else.
    ///
    /// Per-group FIFO across processes: only heads are locked with `SKIP LOCKED`. A claimed head
    /// stays `status = 0` (leased) while it runs and while it waits for a retry, so it stays its
    /// group's head and no other claim considers any row of its group; two claims racing for
    /// the same head cannot both win (`SKIP LOCKED`, and the loser re-checks the lease). The run
    /// behind a head this claim locked is then taken with a plain `FOR UPDATE`: nobody else can
    /// be claiming it. A run stops at the first row that is not due or is leased, so a group is
    /// never taken out of order; heads and ungrouped rows come first, runs fill the rest of the
    /// limit, second rows of every group before third rows.
    func claimQuery(endpoint: String, owner: String, token: ClaimToken, limit: Int, lease: Duration) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 5)
        binds.append(endpoint)
        binds.append(Int64(max(1, limit)))
        binds.append(owner)
        binds.append(lease.seconds)
        binds.append(token.uuid)
        return PostgresQuery(unsafeSQL: Self.claimSQL(schema), binds: binds)
    }

    static func claimSQL(_ schema: PostgresSchema) -> String {
        let table = schema.deliveries
        return """
            WITH RECURSIVE grp AS (
                SELECT (SELECT f.group_id FROM \(table) f
                        WHERE f.status = 0 AND f.endpoint = $1 AND f.group_id IS NOT NULL ORDER BY f.group_id LIMIT 1) AS g
                UNION ALL
                SELECT (SELECT n.group_id FROM \(table) n
                        WHERE n.status = 0 AND n.endpoint = $1 AND n.group_id > grp.g ORDER BY n.group_id LIMIT 1)
                FROM grp WHERE grp.g IS NOT NULL
            ),
            candidate AS (
                SELECT (SELECT h.id FROM \(table) h
                        WHERE h.status = 0 AND h.endpoint = $1 AND h.group_id = grp.g ORDER BY h.id LIMIT 1) AS id
                FROM grp WHERE grp.g IS NOT NULL
                UNION ALL
                (SELECT u.id FROM \(table) u
                 WHERE u.status = 0 AND u.endpoint = $1 AND u.group_id IS NULL AND u.available_at <= now()
                   AND (u.lease_until IS NULL OR u.lease_until < now())
                 ORDER BY u.id LIMIT $2)
            ),
            picked AS (
                SELECT d.id, d.group_id FROM \(table) d
                WHERE d.id IN (SELECT id FROM candidate)
                  AND d.status = 0 AND d.available_at <= now() AND (d.lease_until IS NULL OR d.lease_until < now())
                ORDER BY d.id
                LIMIT $2
                FOR UPDATE SKIP LOCKED
            ),
            run AS (
                SELECT r.id FROM picked p, LATERAL (
                    SELECT y.id, y.position FROM (
                        SELECT x.id, row_number() OVER (ORDER BY x.id) AS position,
                            bool_and(x.available_at <= now() AND (x.lease_until IS NULL OR x.lease_until < now()))
                                OVER (ORDER BY x.id) AS free
                        FROM (SELECT z.id, z.available_at, z.lease_until FROM \(table) z
                              WHERE z.status = 0 AND z.endpoint = $1 AND z.group_id = p.group_id AND z.id > p.id
                              ORDER BY z.id LIMIT $2) x
                    ) y
                    WHERE y.free) r
                WHERE p.group_id IS NOT NULL
                ORDER BY r.position, r.id
                LIMIT (SELECT $2 - count(*) FROM picked)
            ),
            followers AS (
                SELECT d.id FROM \(table) d WHERE d.id IN (SELECT id FROM run) AND d.status = 0 FOR UPDATE
            ),
            claimed AS (
                SELECT id FROM picked
                UNION ALL
                SELECT id FROM followers
            )
            UPDATE \(table) AS w
            SET lease_owner = $3, claim_token = $5, lease_until = now() + make_interval(secs => $4::float8),
                attempts = w.attempts + 1, claimed_at = now(), first_claimed_at = COALESCE(w.first_claimed_at, now())
            FROM claimed
            WHERE w.id = claimed.id
            RETURNING \(PostgresDeliveryRow.columns("w."))
            """
    }

    /// Gives back the rows of `ids` that `token` still holds, without the attempt their claim
    /// counted; returns how many.
    @discardableResult
    public func release(_ ids: [Int64], token: ClaimToken) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        var binds = PostgresBindings(capacity: 2)
        binds.append(ids)
        binds.append(token.uuid)
        let released = try await scalar("release", PostgresQuery(
            unsafeSQL: """
                WITH released AS (
                    UPDATE \(schema.deliveries)
                    SET lease_owner = NULL, lease_until = NULL, claim_token = NULL, attempts = GREATEST(attempts - 1, 0)
                    WHERE id = ANY($1::int8[]) AND claim_token = $2 AND status = 0
                    RETURNING 1)
                SELECT count(*)::int8 FROM released
                """,
            binds: binds))
        return released
    }

    /// Extends, by the database's clock, the lease of every pending row that one of `tokens` holds.
    @discardableResult
    public func extendLeases(_ tokens: [ClaimToken], lease: Duration) async throws -> Int {
        guard !tokens.isEmpty else { return 0 }
        var binds = PostgresBindings(capacity: 2)
        binds.append(tokens.map(\.uuid))
        binds.append(lease.seconds)
        return try await scalar("extend leases", PostgresQuery(
            unsafeSQL: """
                WITH extended AS (
                    UPDATE \(schema.deliveries) SET lease_until = now() + make_interval(secs => $2::float8)
                    WHERE status = 0 AND claim_token = ANY($1::uuid[])
                    RETURNING 1)
                SELECT count(*)::int8 FROM extended
                """,
            binds: binds))
    }

    /// Marks the rows `token` still holds handled and clears their claim; returns how many changed.
    @discardableResult
    public func complete(_ ids: [Int64], token: ClaimToken) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        var binds = PostgresBindings(capacity: 2)
        binds.append(ids)
        binds.append(token.uuid)
        return try await scalar("complete", PostgresQuery(
            unsafeSQL: """
                WITH completed AS (
                    UPDATE \(schema.deliveries)
                    SET status = 1, lease_owner = NULL, lease_until = NULL, claim_token = NULL, finished_at = now()
                    WHERE id = ANY($1::int8[]) AND claim_token = $2 AND status = 0
                    RETURNING 1)
                SELECT count(*)::int8 FROM completed
                """,
            binds: binds))
    }

    /// Releases the claim and makes the row due at `availableAt`, recording `error`, if `token`
    /// still holds it.
    @discardableResult
    public func retry(_ id: Int64, token: ClaimToken, availableAt: Date, error: String) async throws -> Bool {
        var binds = PostgresBindings(capacity: 4)
        binds.append(id)
        binds.append(token.uuid)
        binds.append(max(0, availableAt.timeIntervalSinceNow))
        binds.append(error)
        return try await scalar("retry", PostgresQuery(
            unsafeSQL: """
                WITH retried AS (
                    UPDATE \(schema.deliveries)
                    SET lease_owner = NULL, lease_until = NULL, claim_token = NULL,
                        available_at = now() + make_interval(secs => $3::float8), last_error = $4
                    WHERE id = $1 AND claim_token = $2 AND status = 0
                    RETURNING 1)
                SELECT count(*)::int8 FROM retried
                """,
            binds: binds)) > 0
    }

    /// Moves the row to the dead letters with `error`, if `token` still holds it.
    @discardableResult
    public func deadLetter(_ id: Int64, token: ClaimToken, error: String) async throws -> Bool {
        var binds = PostgresBindings(capacity: 3)
        binds.append(id)
        binds.append(token.uuid)
        binds.append(error)
        return try await scalar("dead-letter", PostgresQuery(
            unsafeSQL: """
                WITH dead AS (
                    UPDATE \(schema.deliveries)
                    SET status = 2, lease_owner = NULL, lease_until = NULL, claim_token = NULL, last_error = $3, finished_at = now()
                    WHERE id = $1 AND claim_token = $2 AND status = 0
                    RETURNING 1)
                SELECT count(*)::int8 FROM dead
                """,
            binds: binds)) > 0
    }

    /// Releases every claim `owner` made through this store, giving back the attempt each counted.
    @discardableResult
    public func release(owner: String) async throws -> Int {
        guard claimants.withLock({ $0.remove(owner) != nil }) else { return 0 }
        var binds = PostgresBindings(capacity: 1)
        binds.append(owner)
        let query = PostgresQuery(
            unsafeSQL: """
                WITH released AS (
                    UPDATE \(schema.deliveries)
                    SET lease_owner = NULL, lease_until = NULL, claim_token = NULL, attempts = GREATEST(attempts - 1, 0)
                    WHERE status = 0 AND lease_owner = $1 AND claim_token IS NOT NULL
                    RETURNING 1)
                SELECT count(*)::int8 FROM released
                """,
            binds: binds)
        do {
            let released = try await scalar("release", query)
            // Other processes take them now, not at their next poll.
            if released > 0 { announce(endpoints: nil) }
            return released
        } catch {
            claimants.withLock { _ = $0.insert(owner) }
            throw error
        }
    }

    // MARK: Dead letters and counts

    /// Dead-lettered rows of `endpoint` (every endpoint when `nil`), oldest first.
    public func deadLetters(endpoint: String?) async throws -> [StoredDelivery] {
        var binds = PostgresBindings(capacity: 1)
        binds.append(endpoint)
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT \(PostgresDeliveryRow.columns()) FROM \(schema.deliveries)
                WHERE status = 2 AND ($1::text IS NULL OR endpoint = $1::text) ORDER BY id
                """,
            binds: binds)
        let rows = try await withConnection("dead letters") { connection in try await connection.guardedRows(query, logger: logger) }
        return try rows.map(PostgresDeliveryRow.decode)
    }

    /// Makes the given dead letters pending and due now with attempts reset; returns how many.
    public func replayDeadLetters(_ ids: [Int64]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        var binds = PostgresBindings(capacity: 1)
        binds.append(ids)
        let query = PostgresQuery(
            unsafeSQL: """
                WITH replayed AS (
                    UPDATE \(schema.deliveries)
                    SET status = 0, attempts = 0, available_at = now(), finished_at = NULL, lease_owner = NULL, lease_until = NULL
                    WHERE status = 2 AND id = ANY($1::int8[])
                    RETURNING 1)
                SELECT count(*)::int8 FROM replayed
                """,
            binds: binds)
        let count = try await scalar("replay", query)
        if count > 0 {
            DurableWakeups.committed(self)
            announce(endpoints: nil)
        }
        return count
    }

    /// Deletes every dead letter of every endpoint; returns how many.
    public func purgeDeadLetters() async throws -> Int {
        try await scalar("purge dead letters", PostgresQuery(
            unsafeSQL: "WITH purged AS (DELETE FROM \(schema.deliveries) WHERE status = 2 RETURNING 1) SELECT count(*)::int8 FROM purged"))
    }

    /// Deletes handled rows finished more than `age` seconds ago; they only serve deduplication
    /// of redeliveries, which happen within a lease or two. Returns how many.
    @discardableResult
    public func purgeHandled(olderThan age: TimeInterval) async throws -> Int {
        var binds = PostgresBindings(capacity: 1)
        binds.append(max(0, age))
        return try await scalar("purge handled", PostgresQuery(
            unsafeSQL: """
                WITH purged AS (
                    DELETE FROM \(schema.deliveries) WHERE status = 1 AND finished_at < now() - make_interval(secs => $1::float8)
                    RETURNING 1)
                SELECT count(*)::int8 FROM purged
                """,
            binds: binds))
    }

    /// Pending rows of `endpoint` (every endpoint when `nil`), claimed or not.
    public func pendingCount(endpoint: String?) async throws -> Int {
        try await count(status: .pending, endpoint: endpoint)
    }

    /// Handled rows of `endpoint` (every endpoint when `nil`), kept for deduplication until purged.
    public func handledCount(endpoint: String?) async throws -> Int {
        try await count(status: .handled, endpoint: endpoint)
    }

    /// Dead-lettered deliveries.
    public func deadCount(endpoint: String?) async throws -> Int {
        try await count(status: .dead, endpoint: endpoint)
    }

    private func count(status: DeliveryStatus, endpoint: String?) async throws -> Int {
        var binds = PostgresBindings(capacity: 1)
        binds.append(endpoint)
        return try await scalar("count", PostgresQuery(
            unsafeSQL: """
                SELECT count(*)::int8 FROM \(schema.deliveries)
                WHERE status = \(status.rawValue) AND ($1::text IS NULL OR endpoint = $1::text)
                """,
            binds: binds))
    }

    /// Runs a statement on a pooled connection and waits for it to complete.
    func execute(_ operation: String, _ query: PostgresQuery) async throws {
        _ = try await withConnection(operation) { connection in try await connection.guardedRows(query, logger: logger) }
    }

    /// Runs business SQL on a pooled connection, outside any unit of work, and returns its rows.
    ///
    /// Prefer it to `client.query`: it waits at most ``Options/acquireTimeout`` for a connection,
    /// and fails instead of hanging when the connection closes under the statement (a database
    /// restart), which postgres-nio's own calls do not guarantee.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await withConnection("query") { connection in try await connection.guardedRows(query, logger: logger) }
    }

    func scalar(_ operation: String, _ query: PostgresQuery) async throws -> Int {
        let rows = try await withConnection(operation) { connection in try await connection.guardedRows(query, logger: logger) }
        return try rows.first?.decode(Int.self) ?? 0
    }

    // MARK: Diagnostics

    /// `EXPLAIN` of the claim for `endpoint`: check that it walks `waku_deliveries_pending`
    /// (an index scan) rather than the whole table, at any queue depth.
    public func explainClaim(endpoint: String, limit: Int = 64, analyze: Bool = false) async throws -> String {
        let claim = claimQuery(endpoint: endpoint, owner: "explain", token: ClaimToken(), limit: limit, lease: .seconds(30))
        // EXPLAIN ANALYZE runs the statement: do it in a transaction that is rolled back.
        let query = PostgresQuery(unsafeSQL: "EXPLAIN \(analyze ? "(ANALYZE, BUFFERS) " : "")" + claim.sql, binds: claim.binds)
        let held = try await holdConnection()
        do {
            if analyze { _ = try await held.connection.guardedRows("BEGIN", logger: logger) }
            let rows = try await held.connection.guardedRows(query, logger: logger)
            held.release(rollback: analyze)
            return try rows.map { try $0.decode(String.self) }.joined(separator: "\n")
        } catch {
            held.release(rollback: analyze)
            throw translate(error, "explain")
        }
    }

    // MARK: Outbox

    /// A new ``PostgresUnitOfWork``; it takes a pooled connection only when first used.
    public func beginTransaction() async throws -> any DurableTransaction {
        PostgresUnitOfWork(store: self)
    }
}
#endif
