#if Postgres
import Foundation
public import Logging
public import PostgresNIO
import Waku
public import WakuMessaging

/// Durable delivery on PostgreSQL: several processes, on several machines, share one queue.
///
/// ```swift
/// let store = try PostgresDurableStore(url: "postgres://app:secret@db:5432/app")
/// MessagingConfig(endpoints: [.durable("orders", partitionBy: { ($0 as? OrderPlaced)?.customerId })],
///                 routing: [route(OrderPlaced.self).to("orders")],
///                 durableStore: store)
/// // … run the app; after app.close():
/// await store.shutdown()
/// ```
///
/// - Deliveries live in `waku_deliveries`, created and migrated by ``prepare()`` (called by the
///   app at start-up) with the version recorded in `waku_schema_version`.
/// - Workers claim with `SELECT … FOR UPDATE SKIP LOCKED` and a lease, so processes never
///   block each other and never take the same row. Only the oldest pending delivery of a group
///   is claimable, so a group stays FIFO across processes: its head stays pending while it runs
///   or waits for a retry, and the rows behind it wait for it.
/// - ``beginTransaction()`` returns a ``PostgresUnitOfWork``: business SQL and published messages
///   commit together (the transactional outbox). Register one per request scope with
///   ``unitOfWorkProviders()`` and commit it with `TransactionalBehavior` or `withUnitOfWork`.
///
/// The store owns a `PostgresClient` and runs it in a background task from its creation (no
/// connection is opened until one is needed); ``shutdown()`` stops it. Call it after
/// `app.close()`, which still releases leases.
public final class PostgresDurableStore: DurableStore {
    /// Where the store connects, for messages: `PostgreSQL at host:port/database`.
    public let displayName: String
    /// The PostgreSQL schema holding the tables, or `nil` for the `search_path`.
    public var schemaName: String? { schema.name }
    /// The schema, pool size and timeouts the store was created with.
    public let options: Options
    let schema: PostgresSchema
    let logger: Logger
    private let pool: PostgresClient
    /// A direct connection for start-up checks, so they report the real cause at once instead of
    /// waiting for the pool, which retries failed connections quietly. `nil` when the store was
    /// built from a `PostgresClient.Configuration`, whose TLS settings cannot be copied.
    let probe: Probe?
    private let username: String?
    private let database: String?
    private let lifecycle: Locked<Lifecycle>
    /// Lease owners that claimed through this store: ``release(owner:)`` skips the others, so an
    /// endpoint that never started does not wait for an unreachable database at shutdown.
    let claimants = Locked(Set<String>())
    /// Why the pool's last connection attempt failed, for errors that would otherwise only say
    /// "timed out".
    let connectFailures = ConnectFailureRecorder.Box()
    /// Coalesces concurrent ``insert(_:)`` calls into one statement and commit.
    let groupCommit = GroupCommit<StoredDelivery>(maxRows: PostgresDurableStore.rowsPerGroupCommit)
    /// Connections kept leased between operations; see ``IdleConnections``.
    let idle: IdleConnections
    /// Wakes workers of other processes after commits, and this process's on theirs; see ``PostgresNotifier``.
    let notifier = PostgresNotifier()

    private enum Lifecycle {
        case running(Task<Void, Never>)
        case shutDown
    }

    struct Probe: Sendable {
        enum TLSMode: Sendable {
            case disable
            case prefer(TLSConfiguration)
            case require(TLSConfiguration)
        }

        let url: PostgresURL
        let tls: TLSMode
    }

    /// A store for `postgres://user:password@host:port/database`.
    ///
    /// Query parameters: `sslmode` (`disable`, `prefer` — the default, as in libpq —, `require`,
    /// `verify-ca`, `verify-full`), `schema` (for the store's tables), `connect_timeout` (seconds),
    /// `application_name`, and `host=/path` for a unix socket directory. Throws
    /// ``PostgresURLError`` for a malformed URL; an unreachable or misconfigured database is
    /// reported by ``prepare()`` at start-up.
    public convenience init(url: String, options: Options = Options(), logger: Logger = Logger(label: "waku.postgres")) throws {
        let parsed = try PostgresURL(parsing: url)
        try self.init(parsed: parsed, options: options, logger: logger)
    }

    convenience init(parsed url: PostgresURL, options: Options, logger: Logger) throws {
        var options = options
        if let timeout = url.connectTimeout { options.connectTimeout = timeout }
        if options.schema == nil { options.schema = url.schema }
        if let schema = options.schema, !PostgresSchema.isValidIdentifier(schema) {
            throw PostgresURLError(problem: "schema '\(schema)' is not a plain identifier (letters, digits and _, at most 63)")
        }
        let probeTLS: Probe.TLSMode
        let clientTLS: PostgresClient.Configuration.TLS
        switch url.sslMode {
        case .disable:
            probeTLS = .disable
            clientTLS = .disable
        case .allow, .prefer, .require:
            // As libpq: encrypt, but do not verify the certificate (use verify-ca/verify-full for that).
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            probeTLS = url.sslMode == .require ? .require(tls) : .prefer(tls)
            clientTLS = url.sslMode == .require ? .require(tls) : .prefer(tls)
        case .verifyCA:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .noHostnameVerification
            probeTLS = .require(tls)
            clientTLS = .require(tls)
        case .verifyFull:
            let tls = TLSConfiguration.makeClientConfiguration()
            probeTLS = .require(tls)
            clientTLS = .require(tls)
        }
        var configuration: PostgresClient.Configuration
        if let socket = url.unixSocketPath {
            configuration = PostgresClient.Configuration(
                unixSocketPath: socket, username: url.username, password: url.password, database: url.database)
        } else {
            configuration = PostgresClient.Configuration(
                host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: clientTLS)
        }
        if let name = url.applicationName { configuration.options.additionalStartupParameters.append(("application_name", name)) }
        self.init(configuration: configuration, options: options, logger: logger, probe: Probe(url: url, tls: probeTLS),
                  displayName: "PostgreSQL at \(url.displayName)")
    }

    /// A store on a `PostgresClient.Configuration` you built (TLS, unix sockets, …).
    ///
    /// The pool's `connectTimeout` and `maximumConnections` are taken from `options`. Start-up
    /// checks go through the pool, which reports a failed login less precisely than the URL
    /// initializer's direct check; the error still names host, port and database.
    public convenience init(configuration: PostgresClient.Configuration, options: Options = Options(),
                            logger: Logger = Logger(label: "waku.postgres")) {
        let place: String
        if let socket = configuration.unixSocketPath {
            place = "\(socket)/\(configuration.database ?? configuration.username)"
        } else {
            place = "\(configuration.host ?? "localhost"):\(configuration.port ?? 5432)/\(configuration.database ?? configuration.username)"
        }
        self.init(configuration: configuration, options: options, logger: logger, probe: nil, displayName: "PostgreSQL at \(place)")
    }

    private init(configuration: PostgresClient.Configuration, options: Options, logger: Logger, probe: Probe?, displayName: String) {
        var configuration = configuration
        configuration.options.connectTimeout = options.connectTimeout
        configuration.options.maximumConnections = max(1, options.maximumConnections)
        self.options = options
        self.schema = PostgresSchema(name: options.schema)
        self.logger = logger
        self.probe = probe
        self.displayName = displayName
        self.username = configuration.username
        // Half the pool at most, so `client` users always find connections.
        idle = IdleConnections(capacity: max(1, options.maximumConnections / 2), maximumIdle: .seconds(5))
        self.database = configuration.database ?? configuration.username
        var background = logger
        background.handler = ConnectFailureRecorder(box: connectFailures, inner: logger.handler)
        let pool = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.pool = pool
        // Started at once (it opens no connection until one is needed), so the pool is running
        // before anything leases from it. Detached so it does not inherit a ServiceGroup's
        // graceful-shutdown handler: it must outlive the app's own drain, which releases leases.
        lifecycle = Locked(.running(Task.detached { await pool.run() }))
    }

    /// The store's connection pool. For business SQL outside a unit of work prefer ``query(_:)``:
    /// it bounds the wait for a connection and fails instead of hanging when the connection
    /// closes under the statement, which `PostgresClient.query` (postgres-nio 1.33) does not.
    public var client: PostgresClient { pool }

    // MARK: Lifecycle

    /// The pool, unless the store was shut down.
    private func runningClient() throws -> PostgresClient {
        try lifecycle.withLock { state in
            switch state {
            case .running:
                return pool
            case .shutDown:
                throw DurableStoreUnavailable(store: displayName, reason: "the store was shut down", fix: "Do not use the store after shutdown().")
            }
        }
    }

    /// Stops the pool and closes its connections. Call it after the app closed.
    public func shutdown() async {
        // While the pool still runs, so a last announcement goes out.
        await stopNotifications()
        let task = lifecycle.withLock { state -> Task<Void, Never>? in
            defer { state = .shutDown }
            if case .running(let task) = state { return task }
            return nil
        }
        guard let task else { return }
        idle.close()
        task.cancel()
        await task.value
    }

    // MARK: Connections

    /// Leases a pooled connection for a unit of work; see ``HeldConnection``. Give it back
    /// with ``giveBack(_:)`` when it is outside a transaction, else release it.
    func holdConnection() async throws -> HeldConnection {
        let client = try runningClient()
        if let held = idle.take() { return held }
        let store = displayName
        let timeout = options.acquireTimeout
        do {
            return try await HeldConnection.lease(from: client, timeout: timeout, logger: logger) { [connectFailures] in
                DurableStoreUnavailable(
                    store: store,
                    reason: "no database connection became available within \(timeout)"
                        + (connectFailures.last.map { "; last connection error: \($0)" } ?? ""),
                    fix: "Check that PostgreSQL is running and reachable; if it is, raise maximumConnections or acquireTimeout.")
            }
        } catch {
            throw translate(error, "connect")
        }
    }

    /// Runs `body` on a pooled connection, translating errors into readable ones.
    func withConnection<R: Sendable>(_ operation: String, _ body: (PostgresConnection) async throws -> R) async throws -> R {
        let held = try await holdConnection()
        defer { giveBack(held) }
        do {
            return try await body(held.connection)
        } catch {
            throw translate(error, operation)
        }
    }

    /// Returns a connection that is not inside a transaction, for the next operation to reuse.
    func giveBack(_ held: HeldConnection) {
        idle.giveBack(held)
    }

    func translate(_ error: any Error, _ operation: String) -> any Error {
        PostgresStoreError.translate(error, operation: operation, store: displayName, user: username, database: database)
    }

    // MARK: Start-up

    /// Checks that the database is reachable and usable, then creates or migrates the schema.
    ///
    /// Fails within the connect timeout with `DurableStoreUnavailable` naming the server, the
    /// cause (refused, timed out, wrong password, unknown database or role, missing privilege)
    /// and the fix.
    public func prepare() async throws {
        if let probe {
            let connection = try await connectDirectly(probe)
            do {
                try await migrate(on: connection)
            } catch {
                try? await connection.close()
                throw translate(error, "migrate")
            }
            try? await connection.close()
        } else {
            try await prepareThroughPool()
        }
        _ = try runningClient()
    }

    /// One connection outside the pool, bounded by the connect timeout plus the login.
    func connectDirectly(_ probe: Probe) async throws -> PostgresConnection {
        let url = probe.url
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch probe.tls {
            case .disable: tls = .disable
            case .prefer(let configuration): tls = .prefer(try NIOSSLContext(configuration: configuration))
            case .require(let configuration): tls = .require(try NIOSSLContext(configuration: configuration))
            }
        } catch {
            throw DurableStoreUnavailable(store: displayName, reason: "TLS could not be set up: \(error)", fix: "Check the sslmode and certificates.")
        }
        var configuration: PostgresConnection.Configuration
        if let socket = url.unixSocketPath {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: socket, username: url.username, password: url.password, database: url.database)
        } else {
            configuration = PostgresConnection.Configuration(
                host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: tls)
        }
        let timeout = options.connectTimeout
        configuration.options.connectTimeout = TimeAmount(timeout)
        if let name = url.applicationName { configuration.options.additionalStartupParameters.append(("application_name", name)) }

        enum Outcome: Sendable {
            case connected(PostgresConnection)
            case failed(any Error)
            case timedOut
        }
        let logger = self.logger
        let outcome = await withTaskGroup(of: Outcome.self) { [configuration] group in
            group.addTask {
                do {
                    return .connected(try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger))
                } catch {
                    return .failed(error)
                }
            }
            group.addTask {
                // TCP connect is bounded by connectTimeout; this also bounds TLS and the login.
                try? await Task.sleep(for: timeout + .seconds(1))
                return .timedOut
            }
            let first = await group.next() ?? .timedOut
            group.cancelAll()
            // A connection that arrives after the timeout must not leak.
            while let late = await group.next() {
                if case .connected(let connection) = late { try? await connection.close() }
            }
            return first
        }
        switch outcome {
        case .connected(let connection):
            return connection
        case .failed(let error):
            throw translate(error, "connect")
        case .timedOut:
            throw DurableStoreUnavailable(
                store: displayName, reason: "no answer within \(timeout + .seconds(1)) (connect and login)",
                fix: "Check the host and port, that PostgreSQL is running, and that no firewall drops the traffic.")
        }
    }

    /// Start-up through the pool (configuration initializer): the pool retries failed connections
    /// quietly, so a deadline turns "never connects" into an error.
    private func prepareThroughPool() async throws {
        let client = try runningClient()
        let deadline = options.connectTimeout + .seconds(1)
        let store = displayName
        let held: HeldConnection
        connectFailures.record(nil)
        do {
            held = try await HeldConnection.lease(from: client, timeout: deadline, logger: logger) { [connectFailures] in
                DurableStoreUnavailable(
                    store: store,
                    reason: "no connection could be opened within \(deadline)" + (connectFailures.last.map { ": \($0)" } ?? ""),
                    fix: "Check host, port, user, password, database and TLS settings, and that PostgreSQL is running.")
            }
        } catch {
            throw translate(error, "connect")
        }
        do {
            try await migrate(on: held.connection)
            held.release(rollback: false)
        } catch {
            held.release(rollback: true)
            throw translate(error, "migrate")
        }
    }

    /// Brings the schema to ``PostgresSchema/version`` under an advisory lock.
    private func migrate(on connection: PostgresConnection) async throws {
        let target = PostgresSchema.version
        // Up to date already: no DDL, so an application role without CREATE rights works.
        if try await currentVersion(on: connection) == target { return }
        _ = try await connection.guardedRows("BEGIN", logger: logger)
        do {
            _ = try await connection.guardedRows("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger)
            for statement in schema.bootstrap {
                _ = try await connection.guardedRows(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            let current = try await currentVersion(on: connection) ?? 0
            guard current <= target else {
                throw DurableStoreUnavailable(
                    store: displayName, reason: "the schema is at version \(current), newer than this build knows (\(target))",
                    fix: "Upgrade swift-waku in every process sharing this database, or point this one at another schema.")
            }
            for version in stride(from: current + 1, through: target, by: 1) {
                for statement in PostgresSchema.migrations[version - 1](schema) {
                    _ = try await connection.guardedRows(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                _ = try await connection.guardedRows(
                    PostgresQuery(unsafeSQL: "INSERT INTO \(schema.versions) (version) VALUES (\(version))"), logger: logger)
                logger.info("Migrated the durable store schema", metadata: [
                    WakuLogMetadata.Key.store: "\(displayName)",
                    WakuLogMetadata.Key.schemaVersion: "\(version)",
                ])
            }
            _ = try await connection.guardedRows("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.guardedRows("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// The recorded schema version, or `nil` when the version table does not exist yet.
    private func currentVersion(on connection: PostgresConnection) async throws -> Int? {
        var binds = PostgresBindings()
        binds.append(schema.versions)
        let exists = try await connection.guardedRows(
            PostgresQuery(unsafeSQL: "SELECT to_regclass($1) IS NOT NULL", binds: binds), logger: logger)
        guard let row = exists.first, try row.decode(Bool.self) else { return nil }
        let rows = try await connection.guardedRows(
            PostgresQuery(unsafeSQL: "SELECT COALESCE(MAX(version), 0)::int8 FROM \(schema.versions)"), logger: logger)
        return try rows.first?.decode(Int.self) ?? 0
    }

    /// The schema version recorded in the database (0 before ``prepare()``).
    public func schemaVersion() async throws -> Int {
        try await withConnection("schema version") { connection in try await currentVersion(on: connection) ?? 0 }
    }
}
#endif
