#if SQLite
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
    /// The database file's path; every connection and every process sharing the queue opens this
    /// file.
    public let path: String
    let logger: Logger
    private let mutex = AsyncMutex()
    private let connection = SQLiteLock<SQLiteConnection?>(nil)
    private let threadPool: NIOThreadPool
    /// Coalesces concurrent ``insert(_:)`` calls into one statement and commit.
    private let groupCommit: GroupCommit<StoredDelivery>
    /// Wakes idle workers when another process commits to the file; see ``SQLiteChangeWatcher``.
    let changes: SQLiteChangeWatcher

    /// A store on the SQLite file at `path`, created with its schema by ``prepare()`` if missing.
    public init(path: String, blockingThreads: Int = 16, logger: Logger = Logger(label: "waku.sqlite")) {
        self.path = path
        self.logger = logger
        threadPool = NIOThreadPool(numberOfThreads: max(2, blockingThreads))
        threadPool.start()
        groupCommit = GroupCommit(maxRows: Self.rowsPerGroupCommit)
        changes = SQLiteChangeWatcher(databasePath: path)
    }

    deinit {
        // Connections are closed by `shutdown()`; the pool's threads just need to end.
        threadPool.shutdownGracefully { _ in }
    }

    // MARK: Connections

    /// Opens a connection with the pragmas every connection needs.
    func open() async throws -> SQLiteConnection {
        try Self.checkPath(path)
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

    /// Rejects paths SQLite would open as a database private to one connection: the store opens
    /// several connections (workers, units of work, other processes), which must all see one file.
    static func checkPath(_ path: String) throws {
        let trimmed = path.trimmingCharacters(in: .whitespaces)
        guard trimmed.isEmpty || trimmed == ":memory:" || trimmed.hasPrefix("file::memory:") else { return }
        throw DurableStoreUnavailable(
            store: trimmed.isEmpty ? "SQLite (empty path)" : "SQLite \(trimmed)",
            reason: trimmed.isEmpty
                ? "the path is empty; SQLite would open a private temporary database that no other connection or process shares"
                : "an in-memory database is private to one connection, and the store opens several",
            fix: "Pass the path of a database file, e.g. SQLiteDurableStore(path: \"waku.sqlite\").")
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

    /// Opens the file in WAL mode and creates or migrates the schema; fails with
    /// `DurableStoreUnavailable` naming the file.
    public func prepare() async throws {
        do {
            try await migrate()
        } catch let error as DurableStoreUnavailable {
            throw error
        } catch {
            // SQLite's own messages ("file is not a database") do not say which file.
            throw DurableStoreUnavailable(
                store: "SQLite file \(path)", reason: "\(error)",
                fix: "Point the store at an SQLite database file that swift-waku created, or at a path where it may create one.")
        }
    }

    private func migrate() async throws {
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

    /// Claims up to `limit` due rows of `endpoint` for `owner` in one statement, taking only the
    /// head of each group.
    public func claim(
        endpoint: String, owner: String, token: ClaimToken, limit: Int, lease: Duration
    ) async throws -> [StoredDelivery] {
        let now = Date().timeIntervalSince1970
        // The limit is written into the statement: bound to a parameter, SQLite prepares the
        // statement a second time when it binds the value (it re-plans for the LIMIT).
        let limit = max(1, limit)
        let (claimed, unreadable) = try await withConnection { connection in
            // One statement, so the claim is atomic.
            let rows = try await connection.query(
                Self.claimSQL(limit: limit),
                [.text(owner), .float(now + lease.seconds), .text(endpoint), .float(now), .text(token.description)])
            var claimed: [StoredDelivery] = []
            var unreadable: [(id: Int64, reason: String)] = []
            for row in rows {
                do {
                    claimed.append(try Self.delivery(from: row))
                } catch {
                    guard let id = row.column("id")?.integer else { continue }
                    unreadable.append((Int64(id), "unreadable row: \(error)"))
                }
            }
            return (claimed.sorted { $0.id < $1.id }, unreadable)
        }
        changes.claimed(by: owner, found: !claimed.isEmpty || !unreadable.isEmpty, store: self)
        // Never hand out, nor claim again and again, a row that cannot be read: dead-letter it
        // with the reason, once. Its group moves on to the next row.
        for (id, reason) in unreadable {
            logger.error("Durable row cannot be read; dead-lettered", metadata: [
                WakuLogMetadata.Key.store: "SQLite file \(path)",
                WakuLogMetadata.Key.endpoint: "\(endpoint)",
                WakuLogMetadata.Key.rowID: "\(id)",
                WakuLogMetadata.Key.error: "\(reason)",
            ])
            try await deadLetter(id, token: token, error: reason)
        }
        return claimed
    }

    /// The claim: due, unleased pending rows of `endpoint`, oldest first; of each group its head
    /// (the oldest pending row) and the run of due, unleased rows right behind it, which keeps
    /// groups FIFO even when several processes share the file.
    ///
    /// Its cost follows the number of groups and the limit, not the number of pending rows: the
    /// heads are found by skipping from one group to the next in `waku_deliveries_groups` (one
    /// index probe per group), each run is walked one index probe per row, and ungrouped rows
    /// come from an index that holds nothing else. Heads and ungrouped rows come first; runs fill
    /// the rest of the limit, second rows of every group before third rows.
    /// Parameters: ?1 owner, ?2 lease end, ?3 endpoint, ?4 now, ?5 claim token.
    static func claimSQL(limit: Int) -> String {
        """
        WITH RECURSIVE grp(g) AS (
            SELECT (SELECT group_id FROM waku_deliveries INDEXED BY waku_deliveries_groups
                    WHERE status = 0 AND endpoint = ?3 AND group_id IS NOT NULL ORDER BY group_id LIMIT 1)
            UNION ALL
            SELECT (SELECT group_id FROM waku_deliveries INDEXED BY waku_deliveries_groups
                    WHERE status = 0 AND endpoint = ?3 AND group_id > grp.g ORDER BY group_id LIMIT 1)
            FROM grp WHERE grp.g IS NOT NULL
        ),
        candidate(id) AS (
            SELECT (SELECT id FROM waku_deliveries INDEXED BY waku_deliveries_groups
                    WHERE status = 0 AND endpoint = ?3 AND group_id = grp.g ORDER BY id LIMIT 1)
            FROM grp WHERE grp.g IS NOT NULL
            UNION ALL
            SELECT id FROM (
                SELECT id FROM waku_deliveries INDEXED BY waku_deliveries_ungrouped
                WHERE status = 0 AND endpoint = ?3 AND group_id IS NULL AND available_at <= ?4
                  AND (lease_until IS NULL OR lease_until < ?4)
                ORDER BY id LIMIT \(limit))
        ),
        picked(id, g) AS (
            SELECT d.id, d.group_id FROM waku_deliveries d
            WHERE d.id IN (SELECT id FROM candidate)
              AND d.status = 0 AND d.available_at <= ?4 AND (d.lease_until IS NULL OR d.lease_until < ?4)
            ORDER BY d.id LIMIT \(limit)
        ),
        run(id, g, position) AS (
            SELECT id, g, 1 FROM picked WHERE g IS NOT NULL
            UNION ALL
            SELECT n.id, n.group_id, run.position + 1
            FROM run JOIN waku_deliveries n ON n.id = (
                SELECT m.id FROM waku_deliveries m INDEXED BY waku_deliveries_groups
                WHERE m.status = 0 AND m.endpoint = ?3 AND m.group_id = run.g AND m.id > run.id ORDER BY m.id LIMIT 1)
            WHERE n.available_at <= ?4 AND (n.lease_until IS NULL OR n.lease_until < ?4) AND run.position < \(limit)
        ),
        followers(id) AS (
            SELECT id FROM run WHERE position > 1 ORDER BY position, id
            LIMIT max(0, \(limit) - (SELECT count(*) FROM picked))
        )
        UPDATE waku_deliveries
        SET lease_owner = ?1, claim_token = ?5, lease_until = ?2, attempts = attempts + 1,
            claimed_at = ?4, first_claimed_at = COALESCE(first_claimed_at, ?4)
        WHERE id IN (SELECT id FROM picked UNION ALL SELECT id FROM followers)
        RETURNING *
        """
    }

    /// Gives back the rows of `ids` that `token` still holds, without the attempt their claim
    /// counted; returns how many.
    @discardableResult
    public func release(_ ids: [Int64], token: ClaimToken) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await withConnection { connection in
            try await connection.query(
                """
                UPDATE waku_deliveries SET lease_owner = NULL, lease_until = NULL, claim_token = NULL, attempts = MAX(attempts - 1, 0)
                WHERE claim_token = ?1 AND status = 0 AND id IN (SELECT value FROM json_each(?2)) RETURNING id
                """,
                [.text(token.description), .text(Self.jsonArray(ids))]).count
        }
    }

    /// The query plan of the claim, for checking that it stays indexed.
    public func explainClaim(endpoint: String) async throws -> String {
        let now = Date().timeIntervalSince1970
        return try await withConnection { connection in
            let rows = try await connection.query(
                "EXPLAIN QUERY PLAN " + Self.claimSQL(limit: 64),
                [.text("explain"), .float(now), .text(endpoint), .float(now), .text("explain")])
            return rows.compactMap { $0.column("detail")?.string }.joined(separator: "\n")
        }
    }

    /// Extends the lease of every pending row that one of `tokens` holds; returns how many.
    @discardableResult
    public func extendLeases(_ tokens: [ClaimToken], lease: Duration) async throws -> Int {
        guard !tokens.isEmpty else { return 0 }
        let until = Date().timeIntervalSince1970 + lease.seconds
        return try await withConnection { connection in
            try await connection.query(
                """
                UPDATE waku_deliveries SET lease_until = ?1
                WHERE status = 0 AND claim_token IN (SELECT value FROM json_each(?2)) RETURNING id
                """,
                [.float(until), .text(Self.jsonArray(tokens.map(\.description)))]).count
        }
    }

    /// Marks the rows `token` still holds handled and clears their claim; returns how many changed.
    @discardableResult
    public func complete(_ ids: [Int64], token: ClaimToken) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let now = Date().timeIntervalSince1970
        return try await withConnection { connection in
            try await connection.query(
                """
                UPDATE waku_deliveries SET status = 1, lease_owner = NULL, lease_until = NULL, claim_token = NULL, finished_at = ?1
                WHERE claim_token = ?2 AND status = 0 AND id IN (SELECT value FROM json_each(?3)) RETURNING id
                """,
                [.float(now), .text(token.description), .text(Self.jsonArray(ids))]).count
        }
    }

    /// Releases the claim and makes the row due at `availableAt`, recording `error`, if `token`
    /// still holds it.
    @discardableResult
    public func retry(_ id: Int64, token: ClaimToken, availableAt: Date, error: String) async throws -> Bool {
        try await withConnection { connection in
            try await !connection.query(
                """
                UPDATE waku_deliveries SET lease_owner = NULL, lease_until = NULL, claim_token = NULL, available_at = ?, last_error = ?
                WHERE id = ? AND claim_token = ? AND status = 0 RETURNING id
                """,
                [.float(availableAt.timeIntervalSince1970), .text(error), .integer(Int(id)), .text(token.description)]).isEmpty
        }
    }

    /// Moves the row to the dead letters with `error`, if `token` still holds it.
    @discardableResult
    public func deadLetter(_ id: Int64, token: ClaimToken, error: String) async throws -> Bool {
        let now = Date().timeIntervalSince1970
        return try await withConnection { connection in
            try await !connection.query(
                """
                UPDATE waku_deliveries SET status = 2, lease_owner = NULL, lease_until = NULL, claim_token = NULL, last_error = ?,
                    finished_at = ?
                WHERE id = ? AND claim_token = ? AND status = 0 RETURNING id
                """,
                [.text(error), .float(now), .integer(Int(id)), .text(token.description)]).isEmpty
        }
    }

    /// Releases every claim `owner` holds on pending rows, giving back the attempt each counted.
    @discardableResult
    public func release(owner: String) async throws -> Int {
        changes.released(owner)
        return try await withConnection { connection in
            try await connection.query(
                """
                UPDATE waku_deliveries SET lease_owner = NULL, lease_until = NULL, claim_token = NULL, attempts = MAX(attempts - 1, 0)
                WHERE lease_owner = ? AND status = 0 AND claim_token IS NOT NULL RETURNING id
                """,
                [.text(owner)]).count
        }
    }

    /// Dead-lettered rows of `endpoint` (every endpoint when `nil`), oldest first, unreadable ones
    /// included.
    public func deadLetters(endpoint: String?) async throws -> [StoredDelivery] {
        try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT * FROM waku_deliveries WHERE status = 2 AND (?1 IS NULL OR endpoint = ?1) ORDER BY id",
                [endpoint.map { .text($0) } ?? .null])
            // A dead letter may be a row that could not be read: list it all the same, with what
            // can be read (its reason is in `lastError`), so an operator can see and purge it.
            return rows.map { row in (try? Self.delivery(from: row)) ?? Self.unreadableDelivery(from: row) }
        }
    }

    /// Makes the given dead letters pending and due now with attempts reset; returns how many.
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

    /// Deletes every dead letter of every endpoint; returns how many.
    public func purgeDeadLetters() async throws -> Int {
        try await withConnection { connection in
            try await connection.query("DELETE FROM waku_deliveries WHERE status = 2 RETURNING id").count
        }
    }

    /// Pending rows of `endpoint` (every endpoint when `nil`), claimed or not.
    public func pendingCount(endpoint: String?) async throws -> Int {
        try await count(status: 0, endpoint: endpoint)
    }

    /// Handled rows of `endpoint` (every endpoint when `nil`), kept for deduplication until purged.
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

    /// A new ``SQLiteUnitOfWork``; it opens its own connection only when first used.
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

    /// Stops watching the file for other processes' commits and closes the shared connection.
    public func shutdown() async {
        await changes.stop()
        let connection = self.connection.withLock { value -> SQLiteConnection? in defer { value = nil }; return value }
        try? await connection?.close()
    }

    // MARK: Rows

    /// `[1,2,3]`: ids as one parameter, so the statement's text is the same for any number.
    static func jsonArray(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    /// `["a","b"]`: strings that need no escaping (UUIDs) as one JSON parameter.
    static func jsonArray(_ values: [String]) -> String {
        "[" + values.map { "\"\($0)\"" }.joined(separator: ",") + "]"
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

    /// A row that cannot be read as a delivery, with what is wrong with it.
    struct UnreadableRow: Error, CustomStringConvertible {
        let description: String
    }

    /// What can be read of a row that ``delivery(from:)`` rejects; unreadable ids become the nil UUID.
    static func unreadableDelivery(from row: SQLiteRow) -> StoredDelivery {
        let nilUUID = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        func uuid(_ column: String) -> UUID { row.column(column)?.string.flatMap(UUID.init(uuidString:)) ?? nilUUID }
        func time(_ column: String) -> Date { Date(timeIntervalSince1970: row.column(column)?.double ?? 0) }
        let payload: Data = switch row.column("payload") {
        case .text(let text): Data(text.utf8)
        case .blob(let buffer): Data(buffer.readableBytesView)
        default: Data()
        }
        return StoredDelivery(
            id: Int64(row.column("id")?.integer ?? 0), messageId: uuid("message_id"), correlationId: uuid("correlation_id"),
            causationId: uuid("causation_id"), messageType: row.column("message_type")?.string ?? "",
            handler: row.column("handler")?.string ?? "", endpoint: row.column("endpoint")?.string ?? "", payload: payload,
            headers: [:], timestamp: time("timestamp"), groupId: row.column("group_id")?.string,
            availableAt: time("available_at"), attempts: row.column("attempts")?.integer ?? 0,
            lastError: row.column("last_error")?.string)
    }

    static func delivery(from row: SQLiteRow) throws -> StoredDelivery {
        func text(_ column: String) throws -> String {
            guard let value = row.column(column)?.string else { throw UnreadableRow(description: "column \(column) is not text") }
            return value
        }
        func uuid(_ column: String) throws -> UUID {
            let value = try text(column)
            guard let uuid = UUID(uuidString: value) else {
                throw UnreadableRow(description: "\(column) '\(value.prefix(64))' is not a UUID")
            }
            return uuid
        }
        func number(_ column: String) throws -> Double {
            guard let value = row.column(column)?.double else { throw UnreadableRow(description: "column \(column) is not a number") }
            return value
        }
        guard let id = row.column("id")?.integer else { throw UnreadableRow(description: "column id is not an integer") }
        // Payloads are written as text; one stored as a BLOB (by another tool) is read as its bytes.
        let payload: Data
        switch row.column("payload") {
        case .text(let text): payload = Data(text.utf8)
        case .blob(let buffer): payload = Data(buffer.readableBytesView)
        default: throw UnreadableRow(description: "column payload is neither text nor a blob")
        }
        let headersText = row.column("headers")?.string ?? "{}"
        guard let headers = decodeHeaders(headersText) else {
            throw UnreadableRow(description: "headers '\(headersText.prefix(64))' are not a JSON object of strings")
        }
        let groupColumn = row.column("group_id")
        return StoredDelivery(
            id: Int64(id), messageId: try uuid("message_id"), correlationId: try uuid("correlation_id"),
            causationId: try uuid("causation_id"), messageType: try text("message_type"), handler: try text("handler"),
            endpoint: try text("endpoint"), payload: payload, headers: headers,
            timestamp: Date(timeIntervalSince1970: try number("timestamp")),
            groupId: (groupColumn?.isNull ?? true) ? nil : groupColumn?.string,
            availableAt: Date(timeIntervalSince1970: try number("available_at")), attempts: row.column("attempts")?.integer ?? 0,
            lastError: row.column("last_error")?.string)
    }
}

/// The store's mutex type under this module's name.
typealias SQLiteLock<Value> = Waku.Locked<Value>
#endif
