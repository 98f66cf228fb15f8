public import Foundation
public import Logging
import NIOPosix
import SQLiteNIO
public import WakuMessaging
public import Waku

/// Durable delivery on an embedded SQLite file: zero setup, one node.
///
/// ```swift
/// MessagingConfig(endpoints: [.durable("orders")], routing: [route(OrderPlaced.self).to("orders")],
///                 durableStore: SQLiteDurableStore(path: "waku.sqlite"))
/// ```
///
/// Uses WAL mode, so readers never block the writer. Worker operations share one connection,
/// serialized; each unit of work (outbox transaction) opens its own connection.
///
/// SQLite blocks the calling thread while it waits for the file's write lock. The store therefore
/// runs its connections on a thread pool of its own, with `blockingThreads` threads: on NIO's
/// shared pool (one thread per core), writers waiting for the lock could occupy every thread, and
/// the transaction holding the lock could not get one to commit until the busy timeout expired.
/// Keep `blockingThreads` above the number of handlers that write at once.
public final class SQLiteDurableStore: DurableStore {
    public let path: String
    let logger: Logger
    private let mutex = AsyncMutex()
    private let connection = SQLiteLock<SQLiteConnection?>(nil)
    private let threadPool: NIOThreadPool
    /// Coalesces concurrent ``insert(_:)`` calls into one statement and commit.
    private let groupCommit: GroupCommit<StoredDelivery>

    public init(path: String, blockingThreads: Int = 16, logger: Logger = Logger(label: "waku.sqlite")) {
        self.path = path
        self.logger = logger
        threadPool = NIOThreadPool(numberOfThreads: max(2, blockingThreads))
        threadPool.start()
        groupCommit = GroupCommit(maxRows: Self.rowsPerGroupCommit)
    }

    deinit {
        // Connections are closed by `shutdown()`; the pool's threads just need to end.
        threadPool.shutdownGracefully { _ in }
    }

    // MARK: Connections

    /// Opens a connection with the pragmas every connection needs.
    func open() async throws -> SQLiteConnection {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threadPool, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            throw DurableStoreUnavailable(store: "SQLite file \(path)", reason: "\(error)",
                                          fix: "Check that the folder exists and is writable.")
        }
        // busy_timeout first: the other pragmas may need a lock another connection holds.
        do {
            for pragma in ["PRAGMA busy_timeout = 10000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"] {
                _ = try await connection.query(pragma)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        return connection
    }

    /// Runs `body` on the shared connection, serialized with every other store operation.
    func withConnection<R: Sendable>(_ body: (SQLiteConnection) async throws -> R) async throws -> R {
        try await mutex.withLock {
            let connection: SQLiteConnection
            if let existing = self.connection.withLock({ $0 }) {
                connection = existing
            } else {
                connection = try await open()
                self.connection.withLock { $0 = connection }
            }
            return try await body(connection)
        }
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT` on the shared connection.
    func transaction<R: Sendable>(_ body: (SQLiteConnection) async throws -> R) async throws -> R {
        try await withConnection { connection in
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                let result = try await body(connection)
                _ = try await connection.query("COMMIT")
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: DurableStore

    public func prepare() async throws {
        try await transaction { connection in
            _ = try await connection.query("CREATE TABLE IF NOT EXISTS waku_schema_version (version INTEGER NOT NULL)")
            let rows = try await connection.query("SELECT MAX(version) AS version FROM waku_schema_version")
            let current = rows.first?.column("version")?.integer ?? 0
            guard current <= SQLiteSchema.version else {
                throw DurableStoreUnavailable(
                    store: "SQLite file \(path)", reason: "schema version \(current) is newer than this build supports (\(SQLiteSchema.version))",
                    fix: "Upgrade swift-waku, or point the store at another file.")
            }
            for (index, statements) in SQLiteSchema.migrations.enumerated() where index + 1 > current {
                for statement in statements { _ = try await connection.query(statement) }
                _ = try await connection.query("INSERT INTO waku_schema_version (version) VALUES (?)", [.integer(index + 1)])
            }
        }
    }

    /// The schema version recorded in the file.
    public func schemaVersion() async throws -> Int {
        try await withConnection { connection in
            let rows = try await connection.query("SELECT MAX(version) AS version FROM waku_schema_version")
            return rows.first?.column("version")?.integer ?? 0
        }
    }

    /// Persists `deliveries` in their own commit, shared with inserts other tasks make at the same
    /// time (group commit): concurrent publishers cost one statement and one commit per group
    /// instead of one each. Returns once the rows are committed.
    public func insert(_ deliveries: [StoredDelivery]) async throws {
        guard !deliveries.isEmpty else { return }
        try await groupCommit.submit(deliveries) { rows in try await self.insertNow(rows) }
    }

    /// Writes `deliveries` at once, in one commit.
    func insertNow(_ deliveries: [StoredDelivery]) async throws {
        if deliveries.count <= Self.rowsPerInsert {
            // One statement is atomic on its own: no BEGIN/COMMIT round trips to the thread pool.
            try await withConnection { connection in try await Self.insert(deliveries, on: connection) }
        } else {
            try await transaction { connection in try await Self.insert(deliveries, on: connection) }
        }
    }

    /// Most rows one group commit writes: four multi-row statements in one transaction.
    static let rowsPerGroupCommit = 4 * rowsPerInsert

    /// Rows per multi-row INSERT: 13 parameters each, well under SQLite's 32,766 limit.
    static let rowsPerInsert = 256

    static func insert(_ deliveries: [StoredDelivery], on connection: SQLiteConnection) async throws {
        let now = Date().timeIntervalSince1970
        var start = 0
        while start < deliveries.count {
            let chunk = deliveries[start ..< min(start + rowsPerInsert, deliveries.count)]
            start += chunk.count
            let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            var bindings: [SQLiteData] = []
            bindings.reserveCapacity(chunk.count * 13)
            for delivery in chunk {
                bindings += [
                    .text(delivery.messageId.uuidString), .text(delivery.handler), .text(delivery.endpoint),
                    .text(delivery.messageType), .text(delivery.correlationId.uuidString), .text(delivery.causationId.uuidString),
                    .text(String(decoding: delivery.payload, as: UTF8.self)), .text(encodeHeaders(delivery.headers)),
                    .float(delivery.timestamp.timeIntervalSince1970), delivery.groupId.map { .text($0) } ?? .null,
                    .float(delivery.availableAt.timeIntervalSince1970), .integer(delivery.attempts), .float(now),
                ]
            }
            _ = try await connection.query(
                """
                INSERT INTO waku_deliveries (message_id, handler, endpoint, message_type, correlation_id, causation_id, payload,
                    headers, timestamp, group_id, available_at, attempts, created_at)
                VALUES \(Array(repeating: row, count: chunk.count).joined(separator: ", "))
                ON CONFLICT (message_id, handler) DO NOTHING
                """,
                bindings)
        }
    }

    public func claim(endpoint: String, owner: String, limit: Int, lease: Duration) async throws -> [StoredDelivery] {
        let now = Date().timeIntervalSince1970
        let leaseSeconds = Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18
        // The limit is written into the statement: bound to a parameter, SQLite prepares the
        // statement a second time when it binds the value (it re-plans for the LIMIT).
        let limit = max(1, limit)
        return try await withConnection { connection in
            // One statement, so the claim is atomic. For a group only the oldest pending row is
            // eligible, which keeps groups FIFO even when several workers share the file.
            let rows = try await connection.query(
                """
                UPDATE waku_deliveries SET lease_owner = ?1, lease_until = ?2, attempts = attempts + 1
                WHERE id IN (
                    SELECT d.id FROM waku_deliveries d INDEXED BY waku_deliveries_pending
                    WHERE d.status = 0 AND d.endpoint = ?3 AND d.available_at <= ?4
                      AND (d.lease_until IS NULL OR d.lease_until < ?4)
                      AND (d.group_id IS NULL OR NOT EXISTS (
                          SELECT 1 FROM waku_deliveries e
                          WHERE e.status = 0 AND e.endpoint = d.endpoint AND e.group_id = d.group_id AND e.id < d.id))
                    ORDER BY d.id LIMIT \(limit))
                RETURNING *
                """,
                [.text(owner), .float(now + leaseSeconds), .text(endpoint), .float(now)])
            return rows.compactMap(Self.delivery(from:)).sorted { $0.id < $1.id }
        }
    }

    /// The query plan of the claim's row selection, for checking it stays indexed.
    public func explainClaim(endpoint: String) async throws -> String {
        let now = Date().timeIntervalSince1970
        return try await withConnection { connection in
            let rows = try await connection.query(
                """
                EXPLAIN QUERY PLAN SELECT d.id FROM waku_deliveries d INDEXED BY waku_deliveries_pending
                WHERE d.status = 0 AND d.endpoint = ?1 AND d.available_at <= ?2
                  AND (d.lease_until IS NULL OR d.lease_until < ?2)
                  AND (d.group_id IS NULL OR NOT EXISTS (
                      SELECT 1 FROM waku_deliveries e
                      WHERE e.status = 0 AND e.endpoint = d.endpoint AND e.group_id = d.group_id AND e.id < d.id))
                ORDER BY d.id LIMIT 64
                """,
                [.text(endpoint), .float(now)])
            return rows.compactMap { $0.column("detail")?.string }.joined(separator: "\n")
        }
    }

    public func complete(_ ids: [Int64], owner: String) async throws {
        guard !ids.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        try await withConnection { connection in
            _ = try await connection.query(
                """
                UPDATE waku_deliveries SET status = 1, lease_owner = NULL, lease_until = NULL, finished_at = ?1
                WHERE lease_owner = ?2 AND status = 0 AND id IN (SELECT value FROM json_each(?3))
                """,
                [.float(now), .text(owner), .text(Self.jsonArray(ids))])
        }
    }

    public func retry(_ id: Int64, owner: String, availableAt: Date, error: String) async throws {
        try await withConnection { connection in
            _ = try await connection.query(
                """
                UPDATE waku_deliveries SET lease_owner = NULL, lease_until = NULL, available_at = ?, last_error = ?
                WHERE id = ? AND lease_owner = ? AND status = 0
                """,
                [.float(availableAt.timeIntervalSince1970), .text(error), .integer(Int(id)), .text(owner)])
        }
    }

    public func deadLetter(_ id: Int64, owner: String, error: String) async throws {
        let now = Date().timeIntervalSince1970
        try await withConnection { connection in
            _ = try await connection.query(
                """
                UPDATE waku_deliveries SET status = 2, lease_owner = NULL, lease_until = NULL, last_error = ?, finished_at = ?
                WHERE id = ? AND lease_owner = ? AND status = 0
                """,
                [.text(error), .float(now), .integer(Int(id)), .text(owner)])
        }
    }

    public func release(owner: String) async throws {
        try await withConnection { connection in
            _ = try await connection.query(
                "UPDATE waku_deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND status = 0",
                [.text(owner)])
        }
    }

    public func deadLetters(endpoint: String?) async throws -> [StoredDelivery] {
        try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT * FROM waku_deliveries WHERE status = 2 AND (?1 IS NULL OR endpoint = ?1) ORDER BY id",
                [endpoint.map { .text($0) } ?? .null])
            return rows.compactMap(Self.delivery(from:))
        }
    }

    public func replayDeadLetters(_ ids: [Int64]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let now = Date().timeIntervalSince1970
        return try await withConnection { connection in
            let rows = try await connection.query(
                """
                UPDATE waku_deliveries SET status = 0, attempts = 0, available_at = ?, finished_at = NULL
                WHERE status = 2 AND id IN (\(Self.placeholders(ids.count))) RETURNING id
                """,
                [.float(now)] + ids.map { .integer(Int($0)) })
            return rows.count
        }
    }

    public func purgeDeadLetters() async throws -> Int {
        try await withConnection { connection in
            try await connection.query("DELETE FROM waku_deliveries WHERE status = 2 RETURNING id").count
        }
    }

    public func pendingCount(endpoint: String?) async throws -> Int {
        try await count(status: 0, endpoint: endpoint)
    }

    public func handledCount(endpoint: String?) async throws -> Int {
        try await count(status: 1, endpoint: endpoint)
    }

    private func count(status: Int, endpoint: String?) async throws -> Int {
        try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT COUNT(*) AS n FROM waku_deliveries WHERE status = ?1 AND (?2 IS NULL OR endpoint = ?2)",
                [.integer(status), endpoint.map { .text($0) } ?? .null])
            return rows.first?.column("n")?.integer ?? 0
        }
    }

    /// Deletes handled rows older than `age`: they only serve deduplication.
    @discardableResult
    public func purgeHandled(olderThan age: TimeInterval) async throws -> Int {
        let cutoff = Date().timeIntervalSince1970 - age
        return try await withConnection { connection in
            try await connection.query("DELETE FROM waku_deliveries WHERE status = 1 AND finished_at < ? RETURNING id", [.float(cutoff)]).count
        }
    }

    public func beginTransaction() async throws -> any DurableTransaction {
        SQLiteUnitOfWork(store: self)
    }

    /// Providers for a request-scoped unit of work on this store: `SQLiteUnitOfWork` and
    /// `any IUnitOfWork` (the same instance). One left open when its scope closes is rolled back.
    public func unitOfWorkProviders() -> [Provider] {
        [
            scoped { () -> Finalized<SQLiteUnitOfWork> in
                let unitOfWork = SQLiteUnitOfWork(store: self)
                return Finalized(unitOfWork) { if unitOfWork.isOpen { try await unitOfWork.rollback() } }
            },
            scoped((any IUnitOfWork).self) { (unitOfWork: SQLiteUnitOfWork) in unitOfWork },
        ]
    }

    /// Wakes local durable workers after an outbox commit.
    func committed() {
        DurableWakeups.committed(self)
    }

    public func shutdown() async {
        let connection = self.connection.withLock { value -> SQLiteConnection? in defer { value = nil }; return value }
        try? await connection?.close()
    }

    // MARK: Rows

    /// `[1,2,3]`: ids as one parameter, so the statement's text is the same for any number.
    static func jsonArray(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    static func encodeHeaders(_ headers: [String: String]) -> String {
        guard !headers.isEmpty, let data = try? JSONEncoder().encode(headers) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Headers as ``encodeHeaders(_:)`` wrote them; most deliveries have none ("{}").
    static func decodeHeaders(_ text: String) -> [String: String]? {
        if text == "{}" { return [:] }
        return try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }

    static func delivery(from row: SQLiteRow) -> StoredDelivery? {
        guard let id = row.column("id")?.integer,
              let messageId = row.column("message_id")?.string.flatMap(UUID.init(uuidString:)),
              let correlationId = row.column("correlation_id")?.string.flatMap(UUID.init(uuidString:)),
              let causationId = row.column("causation_id")?.string.flatMap(UUID.init(uuidString:)),
              let messageType = row.column("message_type")?.string,
              let handler = row.column("handler")?.string,
              let endpoint = row.column("endpoint")?.string,
              let payload = row.column("payload")?.string,
              let timestamp = row.column("timestamp")?.double,
              let availableAt = row.column("available_at")?.double
        else { return nil }
        let headers = row.column("headers")?.string.flatMap(decodeHeaders) ?? [:]
        let groupColumn = row.column("group_id")
        return StoredDelivery(
            id: Int64(id), messageId: messageId, correlationId: correlationId, causationId: causationId,
            messageType: messageType, handler: handler, endpoint: endpoint, payload: Data(payload.utf8), headers: headers,
            timestamp: Date(timeIntervalSince1970: timestamp), groupId: (groupColumn?.isNull ?? true) ? nil : groupColumn?.string,
            availableAt: Date(timeIntervalSince1970: availableAt), attempts: row.column("attempts")?.integer ?? 0,
            lastError: row.column("last_error")?.string)
    }
}

/// The store's mutex type under this module's name.
typealias SQLiteLock<Value> = Waku.Locked<Value>
