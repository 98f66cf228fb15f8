#if SQLite
import Foundation
import SQLiteNIO
public import WakuMessaging

/// Operator tools: statistics, leases and dead letters. Every value is bound as a parameter;
/// replay and purge are single statements on dead rows only, safe while workers run.
extension SQLiteDurableStore: DurableStoreAdministration {
    /// Row counts per endpoint by state (pending, scheduled, in flight, handled, dead), in one
    /// query.
    public func statistics() async throws -> [DurableEndpointStatistics] {
        let now = Date().timeIntervalSince1970
        return try await withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT endpoint,
                    SUM(CASE WHEN status = 0 AND (lease_until IS NULL OR lease_until <= ?1) AND available_at <= ?1
                        THEN 1 ELSE 0 END) AS pending,
                    SUM(CASE WHEN status = 0 AND (lease_until IS NULL OR lease_until <= ?1) AND available_at > ?1
                        THEN 1 ELSE 0 END) AS scheduled,
                    SUM(CASE WHEN status = 0 AND lease_until > ?1 THEN 1 ELSE 0 END) AS in_flight,
                    SUM(CASE WHEN status = 1 THEN 1 ELSE 0 END) AS handled,
                    SUM(CASE WHEN status = 2 THEN 1 ELSE 0 END) AS dead
                FROM waku_deliveries GROUP BY endpoint ORDER BY endpoint
                """,
                [.float(now)])
            return rows.compactMap { row -> DurableEndpointStatistics? in
                guard let endpoint = row.column("endpoint")?.string else { return nil }
                func count(_ column: String) -> Int { row.column(column)?.integer ?? 0 }
                return DurableEndpointStatistics(
                    endpoint: endpoint, pending: count("pending"), scheduled: count("scheduled"), inFlight: count("in_flight"),
                    handled: count("handled"), dead: count("dead"))
            }
        }
    }

    /// The unexpired claims of `endpoint` (every endpoint when `nil`), by this machine's clock.
    public func leases(endpoint: String?) async throws -> [DurableLease] {
        let now = Date().timeIntervalSince1970
        return try await withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, message_id, endpoint, message_type, handler, group_id, lease_owner, attempts, claimed_at, lease_until
                FROM waku_deliveries
                WHERE status = 0 AND lease_owner IS NOT NULL AND lease_until > ?1 AND (?2 IS NULL OR endpoint = ?2)
                ORDER BY endpoint, lease_owner, id
                """,
                [.float(now), endpoint.map { .text($0) } ?? .null])
            return rows.compactMap { row -> DurableLease? in
                guard let id = row.column("id")?.integer, let until = row.column("lease_until")?.double else { return nil }
                return DurableLease(
                    id: Int64(id), messageId: row.column("message_id")?.string ?? "", endpoint: row.column("endpoint")?.string ?? "",
                    messageType: row.column("message_type")?.string ?? "", handler: row.column("handler")?.string ?? "",
                    groupId: Self.optionalText(row, "group_id"), owner: row.column("lease_owner")?.string ?? "",
                    attempts: row.column("attempts")?.integer ?? 0, claimedAt: Self.optionalDate(row, "claimed_at"),
                    leaseUntil: Date(timeIntervalSince1970: until), readAt: Date(timeIntervalSince1970: now))
            }
        }
    }

    /// The dead letters `filter` matches, oldest first, at most `limit` of them.
    public func deadLetters(matching filter: DeadLetterFilter, limit: Int?) async throws -> [DeadLetter] {
        var bindings: [SQLiteData] = []
        let condition = Self.deadCondition(filter, bindings: &bindings)
        // SQLite reads a negative LIMIT as "no limit".
        bindings.append(.integer(limit.map { max(0, $0) } ?? -1))
        return try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT * FROM waku_deliveries WHERE \(condition) ORDER BY id LIMIT ?", bindings)
            return rows.compactMap(Self.deadLetter(from:))
        }
    }

    /// The dead letter with row id `id`, or `nil`.
    public func deadLetter(id: Int64) async throws -> DeadLetter? {
        try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT * FROM waku_deliveries WHERE status = 2 AND id = ?", [.integer(Int(id))])
            return rows.first.flatMap(Self.deadLetter(from:))
        }
    }

    /// Makes the dead letters `filter` matches pending and due now in one statement, and wakes
    /// local workers.
    @discardableResult
    public func replayDeadLetters(matching filter: DeadLetterFilter) async throws -> Int {
        var bindings: [SQLiteData] = [.float(Date().timeIntervalSince1970)]
        let condition = Self.deadCondition(filter, bindings: &bindings)
        let count = try await withConnection { connection in
            try await connection.query(
                """
                UPDATE waku_deliveries
                SET status = 0, attempts = 0, available_at = ?, finished_at = NULL, lease_owner = NULL, lease_until = NULL,
                    claim_token = NULL, claimed_at = NULL, first_claimed_at = NULL
                WHERE \(condition) RETURNING id
                """,
                bindings).count
        }
        if count > 0 { committed() }
        return count
    }

    /// Deletes the dead letters `filter` matches in one statement; returns how many.
    @discardableResult
    public func purgeDeadLetters(matching filter: DeadLetterFilter) async throws -> Int {
        var bindings: [SQLiteData] = []
        let condition = Self.deadCondition(filter, bindings: &bindings)
        return try await withConnection { connection in
            try await connection.query("DELETE FROM waku_deliveries WHERE \(condition) RETURNING id", bindings).count
        }
    }

    // MARK: Filters and rows

    /// The WHERE clause selecting the dead rows `filter` matches. Appends its values to
    /// `bindings`, in the order of its `?` placeholders; the clause holds no value itself.
    static func deadCondition(_ filter: DeadLetterFilter, bindings: inout [SQLiteData]) -> String {
        var clauses = ["status = 2"]
        if let ids = filter.ids {
            clauses.append("id IN (SELECT value FROM json_each(?))")
            bindings.append(.text(jsonArray(ids)))
        }
        if let endpoint = filter.endpoint {
            clauses.append("endpoint = ?")
            bindings.append(.text(endpoint))
        }
        if let messageType = filter.messageType {
            clauses.append("message_type = ?")
            bindings.append(.text(messageType))
        }
        if let handler = filter.handler {
            clauses.append("handler = ?")
            bindings.append(.text(handler))
        }
        if let text = filter.errorContains {
            // instr, not LIKE: the text is matched literally, `%` and `_` included.
            clauses.append("instr(lower(COALESCE(last_error, '')), lower(?)) > 0")
            bindings.append(.text(text))
        }
        if let age = filter.olderThan {
            clauses.append("COALESCE(finished_at, created_at) <= ?")
            bindings.append(.float(Date().timeIntervalSince1970 - age.seconds))
        }
        return clauses.joined(separator: " AND ")
    }

    static func optionalText(_ row: SQLiteRow, _ column: String) -> String? {
        guard let value = row.column(column), !value.isNull else { return nil }
        return value.string
    }

    static func optionalDate(_ row: SQLiteRow, _ column: String) -> Date? {
        guard let value = row.column(column), !value.isNull, let seconds = value.double else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// A dead row as an operator sees it. Lenient: an unreadable row (often why it is dead) is
    /// shown as stored, not skipped.
    static func deadLetter(from row: SQLiteRow) -> DeadLetter? {
        guard let id = row.column("id")?.integer else { return nil }
        let payload: Data
        switch row.column("payload") {
        case .text(let text): payload = Data(text.utf8)
        case .blob(let buffer): payload = Data(buffer.readableBytesView)
        default: payload = Data()
        }
        let headers = row.column("headers")?.string.flatMap(decodeHeaders) ?? [:]
        return DeadLetter(
            id: Int64(id), messageId: row.column("message_id")?.string ?? "", endpoint: row.column("endpoint")?.string ?? "",
            messageType: row.column("message_type")?.string ?? "", handler: row.column("handler")?.string ?? "",
            groupId: optionalText(row, "group_id"), attempts: row.column("attempts")?.integer ?? 0,
            lastError: optionalText(row, "last_error"),
            createdAt: optionalDate(row, "created_at") ?? Date(timeIntervalSince1970: 0),
            firstAttemptAt: optionalDate(row, "first_claimed_at"), lastAttemptAt: optionalDate(row, "claimed_at"),
            deadLetteredAt: optionalDate(row, "finished_at"), payload: payload, headers: headers)
    }
}
#endif
