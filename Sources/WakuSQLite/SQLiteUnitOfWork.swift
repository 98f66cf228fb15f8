#if SQLite
import Waku
import Foundation
public import SQLiteNIO
public import WakuMessaging

/// A unit of work on the SQLite store: business writes and published messages commit or roll
/// back together (the transactional outbox).
///
/// It opens its own connection and begins `BEGIN IMMEDIATE` on first use. Register one per
/// request scope with ``SQLiteDurableStore/unitOfWorkProviders()`` and commit it with
/// `TransactionalBehavior`, or use `withUnitOfWork(_:isolation:_:)`.
public final class SQLiteUnitOfWork: DurableTransaction {
    private let store: SQLiteDurableStore
    private let state = Locked<SQLiteConnection?>(nil)
    private let mutex = AsyncMutex()

    init(store: SQLiteDurableStore) {
        self.store = store
    }

    /// The identity of the store whose durable endpoints write through this unit of work.
    public var storeIdentity: ObjectIdentifier { ObjectIdentifier(store) }

    /// The transaction's connection, beginning the transaction on first use.
    private func connection() async throws -> SQLiteConnection {
        if let open = state.withLock({ $0 }) { return open }
        let connection = try await store.open()
        do {
            _ = try await connection.query("BEGIN IMMEDIATE")
        } catch {
            try? await connection.close()
            throw error
        }
        state.withLock { $0 = connection }
        return connection
    }

    /// Runs business SQL inside the transaction.
    @discardableResult
    public func query(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await mutex.withLock {
            try await connection().query(sql, binds)
        }
    }

    /// Writes deliveries in the transaction (beginning it if needed); workers see them after the
    /// commit.
    public func insert(_ deliveries: [StoredDelivery]) async throws {
        try await mutex.withLock {
            try await SQLiteDurableStore.insert(deliveries, on: connection())
        }
    }

    /// Commits the transaction, closes its connection and wakes local workers; does nothing when
    /// none is open.
    public func commit() async throws {
        try await mutex.withLock {
            guard let connection = state.withLock({ value -> SQLiteConnection? in defer { value = nil }; return value }) else { return }
            do {
                _ = try await connection.query("COMMIT")
            } catch {
                _ = try? await connection.query("ROLLBACK")
                try? await connection.close()
                throw error
            }
            try? await connection.close()
            store.committed()
        }
    }

    /// Rolls the transaction back and closes its connection; does nothing when none is open.
    public func rollback() async throws {
        try await mutex.withLock {
            guard let connection = state.withLock({ value -> SQLiteConnection? in defer { value = nil }; return value }) else { return }
            defer { Task { try? await connection.close() } }
            _ = try await connection.query("ROLLBACK")
        }
    }

    /// Whether a transaction is open (begun and not yet committed or rolled back).
    public var isOpen: Bool { state.withLock { $0 != nil } }
}
#endif
