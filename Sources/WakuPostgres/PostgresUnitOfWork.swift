#if Postgres
import Logging
public import PostgresNIO
public import Waku
public import WakuMessaging

/// A unit of work on the PostgreSQL store: business SQL run through it and messages published
/// to durable endpoints of the same store while it is active commit or roll back together —
/// the transactional outbox.
///
/// It leases one connection from the store's pool on first use and runs `BEGIN` then; `commit()`
/// or `rollback()` ends the transaction and returns the connection. After that it can be used
/// again and begins a new transaction. Always end it: use `TransactionalBehavior` (register one
/// per request scope with ``PostgresDurableStore/unitOfWorkProviders()``) or
/// `withUnitOfWork(_:isolation:_:)`. As a safety net, a unit of work left open is rolled back when its
/// request scope closes (with those providers) or when it is deallocated, so a forgotten
/// transaction never commits and never keeps its connection.
///
/// ```swift
/// let unitOfWork = store.unitOfWork() // or inject it: see unitOfWorkProviders()
/// try await withUnitOfWork(unitOfWork) {
///     try await unitOfWork.query("INSERT INTO orders (id) VALUES (\(orderId))")
///     try await publisher.publish(OrderPlaced(orderId: orderId)) // stored in the same transaction
/// }
/// ```
public final class PostgresUnitOfWork: DurableTransaction {
    /// The store whose pool and tables this unit of work uses.
    public let store: PostgresDurableStore
    private let state = Locked(State())
    private let mutex = AsyncMutex()

    private struct State {
        var held: HeldConnection?
        /// A statement failed, so PostgreSQL aborted the transaction: commit must not pretend.
        var aborted = false
        /// Endpoints deliveries were written for: wake their workers, here and elsewhere, after commit.
        var endpoints: Set<String> = []
        /// Deliveries published in this transaction, written in one statement at commit.
        var deliveries: [StoredDelivery] = []
    }

    init(store: PostgresDurableStore) {
        self.store = store
    }

    /// The identity of the store whose durable endpoints write through this unit of work.
    public var storeIdentity: ObjectIdentifier { ObjectIdentifier(store) }

    /// Whether a transaction is open (begun, or holding published messages, and not yet committed
    /// or rolled back).
    public var isOpen: Bool { state.withLock { $0.held != nil || !$0.deliveries.isEmpty } }

    /// Runs business SQL inside the transaction (beginning it if needed) and returns its rows.
    ///
    /// ```swift
    /// try await unitOfWork.query("INSERT INTO orders (id, total) VALUES (\(id), \(total))")
    /// ```
    @discardableResult
    public func query(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) async throws -> [PostgresRow] {
        try await mutex.withLock {
            let connection = try await begun()
            return try await tracking {
                try await ConnectionGuard.shared.run(on: connection) {
                    connection.query(query, logger: self.store.logger, file: file, line: line)
                }.rows
            }
        }
    }

    /// Runs `body` with the transaction's connection (beginning it if needed), for APIs that need
    /// a `PostgresConnection`. Do not commit, roll back or close it in `body`. Prefer
    /// ``query(_:file:line:)``: statements run here directly are not protected against the
    /// connection closing under them (postgres-nio can then wait forever).
    public func withConnection<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        try await mutex.withLock {
            let connection = try await begun()
            return try await tracking { try await body(connection) }
        }
    }

    /// Keeps `deliveries` for the commit, which writes every delivery of the transaction in one
    /// statement: a transaction that publishes a thousand messages costs one round trip for them,
    /// not a thousand. Workers see them only after the commit either way. A write that fails
    /// (the database went away) fails the commit, which then rolls back the business writes too.
    public func insert(_ deliveries: [StoredDelivery]) async throws {
        guard !deliveries.isEmpty else { return }
        state.withLock {
            $0.deliveries += deliveries
            $0.endpoints.formUnion(deliveries.lazy.map(\.endpoint))
        }
    }

    /// Writes the deliveries kept for the commit, in statements of at most
    /// ``PostgresDurableStore/rowsPerGroupCommit`` rows.
    private func writeDeliveries() async throws {
        let deliveries = state.withLock { state -> [StoredDelivery] in
            defer { state.deliveries = [] }
            return state.deliveries
        }
        guard !deliveries.isEmpty else { return }
        let connection = try await begun()
        var start = 0
        while start < deliveries.count {
            let chunk = Array(deliveries[start ..< min(start + PostgresDurableStore.rowsPerGroupCommit, deliveries.count)])
            start += chunk.count
            let query = store.insertQuery(chunk)
            _ = try await tracking { try await connection.guardedRows(query, logger: store.logger) }
        }
    }

    /// Writes the kept deliveries, commits the transaction and returns its connection, then wakes
    /// the workers of the endpoints it wrote to.
    public func commit() async throws {
        try await mutex.withLock {
            do {
                try await writeDeliveries()
            } catch {
                // Nothing of this transaction may commit without its messages: roll it back.
                let held = state.withLock { state -> HeldConnection? in
                    defer { state = State() }
                    return state.held
                }
                held?.release(rollback: true)
                throw error
            }
            let (held, aborted, endpoints) = state.withLock { state -> (HeldConnection?, Bool, Set<String>) in
                defer { state = State() }
                return (state.held, state.aborted, state.endpoints)
            }
            guard let held else { return }
            if aborted {
                held.release(rollback: true)
                throw PostgresStoreError(
                    operation: "commit", sqlState: "25P02",
                    message: "a statement of this transaction failed, so PostgreSQL aborted it; it was rolled back")
            }
            let tag: String
            do {
                // The future-based API exposes the command tag: PostgreSQL answers a COMMIT of
                // an aborted transaction with ROLLBACK and no error.
                tag = try await held.connection.guardedCommand("COMMIT", logger: store.logger)
            } catch {
                held.release(rollback: true)
                throw store.translate(error, "commit")
            }
            // Either way the transaction ended: the connection is idle.
            store.giveBack(held)
            guard tag == "COMMIT" else {
                throw PostgresStoreError(operation: "commit", sqlState: "25P02", message: "PostgreSQL rolled the transaction back (\(tag))")
            }
            if !endpoints.isEmpty {
                DurableWakeups.committed(store)
                store.announce(endpoints: endpoints)
            }
        }
    }

    /// Rolls the transaction back and returns its connection; does nothing when none is open.
    public func rollback() async throws {
        try await mutex.withLock {
            let held = state.withLock { state -> HeldConnection? in
                defer { state = State() }
                return state.held
            }
            guard let held else { return }
            do {
                _ = try await held.connection.guardedRows("ROLLBACK", logger: store.logger)
            } catch {
                held.release(rollback: false)
                try? await held.connection.close()
                throw store.translate(error, "rollback")
            }
            store.giveBack(held)
        }
    }

    /// The transaction's connection, leasing one and running `BEGIN` on first use.
    private func begun() async throws -> PostgresConnection {
        if let held = state.withLock({ $0.held }) { return held.connection }
        let held = try await store.holdConnection()
        do {
            _ = try await held.connection.guardedRows("BEGIN", logger: store.logger)
        } catch {
            held.release(rollback: true)
            throw store.translate(error, "begin")
        }
        state.withLock { $0.held = held }
        return held.connection
    }

    /// Runs a statement, remembering a failure (PostgreSQL aborts the transaction on any error).
    private func tracking<R>(_ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch {
            state.withLock { $0.aborted = true }
            throw store.translate(error, "query")
        }
    }

    deinit {
        // Never committed nor rolled back: HeldConnection rolls back as it goes.
        state.withLock { $0.held }?.release(rollback: true)
    }
}

extension PostgresDurableStore {
    /// A new unit of work on this store; it opens its transaction on first use.
    public func unitOfWork() -> PostgresUnitOfWork {
        PostgresUnitOfWork(store: self)
    }

    /// Providers for a request-scoped unit of work on this store: ``PostgresUnitOfWork`` (for
    /// business SQL) and `any IUnitOfWork` (the same instance, for `TransactionalBehavior`).
    /// A unit of work still open when its scope closes is rolled back.
    ///
    /// ```swift
    /// struct OrdersModule: Module {
    ///     let store: PostgresDurableStore
    ///     var providers: [Provider] { store.unitOfWorkProviders() }
    /// }
    /// // MessagingConfig(pipelineBehaviors: [TransactionalBehavior.self], …, durableStore: store)
    /// ```
    public func unitOfWorkProviders() -> [Provider] {
        [
            scoped { () -> Finalized<PostgresUnitOfWork> in
                let unitOfWork = PostgresUnitOfWork(store: self)
                return Finalized(unitOfWork) { if unitOfWork.isOpen { try await unitOfWork.rollback() } }
            },
            scoped((any IUnitOfWork).self) { (unitOfWork: PostgresUnitOfWork) in unitOfWork },
        ]
    }
}
#endif
