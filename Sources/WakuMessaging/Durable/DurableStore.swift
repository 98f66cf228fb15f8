public import Foundation

/// Persistence for durable endpoints: the store protocol under ``DurableEndpoint``.
///
/// Delivery runs in three steps, each its own transaction: persist (``insert(_:)``, or inside a
/// ``DurableTransaction`` for the outbox), claim (``claim(endpoint:owner:limit:lease:)``, which
/// takes a lease), then finalize (``complete(_:owner:)``, ``retry(_:owner:availableAt:error:)``
/// or ``deadLetter(_:owner:error:)``) after the handler ran outside any store transaction.
/// A worker that dies leaves leases that expire; the rows are then claimed again.
///
/// Rows are unique by (message id, handler): inserting the same delivery twice keeps one row,
/// and a handled row is kept for deduplication. Delivery is at-least-once: a crash between a
/// handler finishing and its finalize runs it again, so handlers must be idempotent.
public protocol DurableStore: Sendable {
    /// Creates or migrates the schema and records its version. Fails with a clear error when the
    /// database is unreachable or misconfigured.
    func prepare() async throws
    /// Persists deliveries in their own transaction; duplicates of (message id, handler) are ignored.
    func insert(_ deliveries: [StoredDelivery]) async throws
    /// Claims up to `limit` due deliveries of `endpoint` for `owner`, leasing them for `lease`.
    /// For a group key only the oldest pending delivery is eligible, so groups stay FIFO across
    /// processes. Each claim increments `attempts`.
    func claim(endpoint: String, owner: String, limit: Int, lease: Duration) async throws -> [StoredDelivery]
    /// Marks deliveries handled (kept for deduplication). Only rows `owner` still leases change.
    func complete(_ ids: [Int64], owner: String) async throws
    /// Schedules another attempt: releases the lease and makes the row due at `availableAt`.
    func retry(_ id: Int64, owner: String, availableAt: Date, error: String) async throws
    /// Moves a delivery to the dead letters with `error`.
    func deadLetter(_ id: Int64, owner: String, error: String) async throws
    /// Releases every lease `owner` holds on unfinished rows, so another process takes them now.
    func release(owner: String) async throws
    /// Dead-lettered deliveries, oldest first.
    func deadLetters(endpoint: String?) async throws -> [StoredDelivery]
    /// Makes dead letters pending again with attempts reset; returns how many.
    func replayDeadLetters(_ ids: [Int64]) async throws -> Int
    /// Deletes every dead letter; returns how many.
    func purgeDeadLetters() async throws -> Int
    /// Pending (not handled, not dead) deliveries.
    func pendingCount(endpoint: String?) async throws -> Int
    /// Deliveries handled so far (kept for deduplication).
    func handledCount(endpoint: String?) async throws -> Int
    /// Begins a transaction that business writes and published messages share (the outbox).
    func beginTransaction() async throws -> any DurableTransaction
    /// Closes connections.
    func shutdown() async
}

/// A store transaction that is also the request's unit of work: business writes made through it
/// and messages published while it is active commit or roll back together.
public protocol DurableTransaction: IUnitOfWork {
    /// The store this transaction belongs to.
    var storeIdentity: ObjectIdentifier { get }
    /// Writes deliveries inside this transaction; they become visible to workers on commit.
    func insert(_ deliveries: [StoredDelivery]) async throws
}

/// The unit of work active for the current task, set by ``TransactionalBehavior`` and
/// ``withUnitOfWork(_:isolation:_:)``. Durable endpoints write through it when it belongs to
/// their store.
public enum ActiveUnitOfWork {
    @TaskLocal public static var current: (any IUnitOfWork)?
}

/// Runs `body` with `unitOfWork` active, then commits; rolls back and rethrows on error.
/// Messages published inside to durable endpoints of the same store join the transaction.
public func withUnitOfWork<R>(
    _ unitOfWork: any IUnitOfWork, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R
) async throws -> R {
    let result: R
    do {
        result = try await ActiveUnitOfWork.$current.withValue(unitOfWork) { try await body() }
    } catch {
        try? await unitOfWork.rollback()
        throw error
    }
    try await unitOfWork.commit()
    return result
}
