#if Postgres
import Foundation
import Logging
import PostgresNIO
public import WakuMessaging

/// Operator tools: statistics, leases and dead letters. Every value is bound as a parameter;
/// replay and purge are single statements on dead rows only, safe while workers run. Times are
/// the database's clock, as for claims.
extension PostgresDurableStore: DurableStoreAdministration {
    /// Row counts per endpoint by state (pending, scheduled, in flight, handled, dead), in one
    /// query.
    public func statistics() async throws -> [DurableEndpointStatistics] {
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT endpoint,
                    count(*) FILTER (WHERE status = 0 AND (lease_until IS NULL OR lease_until <= now()) AND available_at <= now())::int8,
                    count(*) FILTER (WHERE status = 0 AND (lease_until IS NULL OR lease_until <= now()) AND available_at > now())::int8,
                    count(*) FILTER (WHERE status = 0 AND lease_until > now())::int8,
                    count(*) FILTER (WHERE status = 1)::int8,
                    count(*) FILTER (WHERE status = 2)::int8
                FROM \(schema.deliveries) GROUP BY endpoint ORDER BY endpoint
                """)
        let rows = try await withConnection("statistics") { connection in try await connection.guardedRows(query, logger: logger) }
        do {
            return try rows.map { row in
                let (endpoint, pending, scheduled, inFlight, handled, dead) = try row.decode((String, Int, Int, Int, Int, Int).self)
                return DurableEndpointStatistics(
                    endpoint: endpoint, pending: pending, scheduled: scheduled, inFlight: inFlight, handled: handled, dead: dead)
            }
        } catch {
            throw translate(error, "statistics")
        }
    }

    /// The unexpired claims of `endpoint` (every endpoint when `nil`), judged by the database's
    /// clock.
    public func leases(endpoint: String?) async throws -> [DurableLease] {
        var binds = PostgresBindings(capacity: 1)
        binds.append(endpoint)
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT id, message_id::text, endpoint, message_type, handler, group_id, lease_owner, attempts::int8, claimed_at,
                    lease_until, now()
                FROM \(schema.deliveries)
                WHERE status = 0 AND lease_owner IS NOT NULL AND lease_until > now() AND ($1::text IS NULL OR endpoint = $1::text)
                ORDER BY endpoint, lease_owner, id
                """,
            binds: binds)
        let rows = try await withConnection("leases") { connection in try await connection.guardedRows(query, logger: logger) }
        do {
            return try rows.map { row in
                let cells = row.makeRandomAccess()
                return DurableLease(
                    id: try cells[0].decode(Int64.self), messageId: try cells[1].decode(String.self),
                    endpoint: try cells[2].decode(String.self), messageType: try cells[3].decode(String.self),
                    handler: try cells[4].decode(String.self), groupId: try cells[5].decode(String?.self),
                    owner: try cells[6].decode(String.self), attempts: try cells[7].decode(Int.self),
                    claimedAt: try cells[8].decode(Date?.self), leaseUntil: try cells[9].decode(Date.self),
                    readAt: try cells[10].decode(Date.self))
            }
        } catch {
            throw translate(error, "leases")
        }
    }

    /// The dead letters `filter` matches, oldest first, at most `limit` of them.
    public func deadLetters(matching filter: DeadLetterFilter, limit: Int?) async throws -> [DeadLetter] {
        var binds = PostgresBindings()
        let condition = Self.deadCondition(filter, binds: &binds)
        // LIMIT NULL is no limit.
        binds.append(limit.map { Int64(max(0, $0)) })
        let query = PostgresQuery(
            unsafeSQL: "SELECT \(Self.deadColumns) FROM \(schema.deliveries) WHERE \(condition) ORDER BY id LIMIT $\(binds.count)::int8",
            binds: binds)
        return try await readDeadLetters("dead letters", query)
    }

    /// The dead letter with row id `id`, or `nil`.
    public func deadLetter(id: Int64) async throws -> DeadLetter? {
        var binds = PostgresBindings(capacity: 1)
        binds.append(id)
        let query = PostgresQuery(
            unsafeSQL: "SELECT \(Self.deadColumns) FROM \(schema.deliveries) WHERE status = 2 AND id = $1", binds: binds)
        return try await readDeadLetters("dead letter", query).first
    }

    /// Makes the dead letters `filter` matches pending and due now, in one statement, and notifies
    /// the workers.
    @discardableResult
    public func replayDeadLetters(matching filter: DeadLetterFilter) async throws -> Int {
        var binds = PostgresBindings()
        let condition = Self.deadCondition(filter, binds: &binds)
        let count = try await scalar("replay", PostgresQuery(
            unsafeSQL: """
                WITH replayed AS (
                    UPDATE \(schema.deliveries)
                    SET status = 0, attempts = 0, available_at = now(), finished_at = NULL, lease_owner = NULL, lease_until = NULL,
                        claim_token = NULL, claimed_at = NULL, first_claimed_at = NULL
                    WHERE \(condition)
                    RETURNING 1)
                SELECT count(*)::int8 FROM replayed
                """,
            binds: binds))
        if count > 0 {
            DurableWakeups.committed(self)
            announce(endpoints: nil)
        }
        return count
    }

    /// Deletes the dead letters `filter` matches in one statement; returns how many.
    @discardableResult
    public func purgeDeadLetters(matching filter: DeadLetterFilter) async throws -> Int {
        var binds = PostgresBindings()
        let condition = Self.deadCondition(filter, binds: &binds)
        return try await scalar("purge dead letters", PostgresQuery(
            unsafeSQL: """
                WITH purged AS (DELETE FROM \(schema.deliveries) WHERE \(condition) RETURNING 1)
                SELECT count(*)::int8 FROM purged
                """,
            binds: binds))
    }

    // MARK: Filters and rows

    /// The WHERE clause selecting the dead rows `filter` matches. Appends its values to `binds`
    /// and refers to them as `$n`; the clause holds no value itself.
    static func deadCondition(_ filter: DeadLetterFilter, binds: inout PostgresBindings) -> String {
        var clauses = ["status = \(DeliveryStatus.dead.rawValue)"]
        if let ids = filter.ids {
            binds.append(ids)
            clauses.append("id = ANY($\(binds.count)::int8[])")
        }
        if let endpoint = filter.endpoint {
            binds.append(endpoint)
            clauses.append("endpoint = $\(binds.count)::text")
        }
        if let messageType = filter.messageType {
            binds.append(messageType)
            clauses.append("message_type = $\(binds.count)::text")
        }
        if let handler = filter.handler {
            binds.append(handler)
            clauses.append("handler = $\(binds.count)::text")
        }
        if let text = filter.errorContains {
            // strpos, not ILIKE: the text is matched literally, `%` and `_` included.
            binds.append(text)
            clauses.append("strpos(lower(COALESCE(last_error, '')), lower($\(binds.count)::text)) > 0")
        }
        if let age = filter.olderThan {
            binds.append(max(0, age.seconds))
            clauses.append("COALESCE(finished_at, created_at) <= now() - make_interval(secs => $\(binds.count)::float8)")
        }
        return clauses.joined(separator: " AND ")
    }

    /// The columns ``readDeadLetters(_:_:)`` decodes, in order.
    static let deadColumns = """
        id, message_id::text, endpoint, message_type, handler, group_id, attempts::int8, last_error, created_at, first_claimed_at,
        claimed_at, finished_at, payload, headers::text
        """

    private func readDeadLetters(_ operation: String, _ query: PostgresQuery) async throws -> [DeadLetter] {
        let rows = try await withConnection(operation) { connection in try await connection.guardedRows(query, logger: logger) }
        do {
            return try rows.map { row in
                let cells = row.makeRandomAccess()
                let headersText = try cells[13].decode(String.self)
                let headers = headersText == "{}"
                    ? [:] : (try? JSONDecoder().decode([String: String].self, from: Data(headersText.utf8))) ?? [:]
                return DeadLetter(
                    id: try cells[0].decode(Int64.self), messageId: try cells[1].decode(String.self),
                    endpoint: try cells[2].decode(String.self), messageType: try cells[3].decode(String.self),
                    handler: try cells[4].decode(String.self), groupId: try cells[5].decode(String?.self),
                    attempts: try cells[6].decode(Int.self), lastError: try cells[7].decode(String?.self),
                    createdAt: try cells[8].decode(Date.self), firstAttemptAt: try cells[9].decode(Date?.self),
                    lastAttemptAt: try cells[10].decode(Date?.self), deadLetteredAt: try cells[11].decode(Date?.self),
                    payload: try cells[12].decode(Data.self), headers: headers)
            }
        } catch {
            throw translate(error, operation)
        }
    }
}
#endif
