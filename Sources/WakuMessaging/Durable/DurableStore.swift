public import Foundation

/// Persistence for durable endpoints: the store protocol under ``DurableEndpoint``.
///
/// Delivery runs in three steps, each its own transaction: persist (``insert(_:)``, or inside a
/// ``DurableTransaction`` for the outbox), claim (``claim(endpoint:owner:token:limit:lease:)``,
/// which leases rows under a fresh ``ClaimToken``), then finalize (``complete(_:token:)``,
/// ``retry(_:token:availableAt:error:)`` or ``deadLetter(_:token:error:)``) after the handler ran
/// outside any store transaction. While handlers run, the worker extends its claims' leases
/// (``extendLeases(_:lease:)``); a worker that dies stops extending, its leases expire, and the
/// rows are claimed again.
///
/// Every finalize names the claim it finishes and changes only rows that claim still holds: a
/// claim whose lease expired and was claimed again (by another process or by this one) can
/// never complete, retry or dead-letter the newer claim.
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
    /// Claims up to `limit` due deliveries of `endpoint` for `owner` under `token`, leasing them
    /// for `lease`. Each claim increments `attempts`.
    ///
    /// A group is claimed from its oldest pending delivery (its head) and only when the head is
    /// free: the claim takes the head and the due, unleased deliveries right behind it, in order,
    /// stopping at the first that is not due. So one claim owns a run of a group, no other claim
    /// can take any of it, and groups stay FIFO across processes. Heads of all groups and
    /// ungrouped deliveries come first; runs fill what is left of `limit`.
    ///
    /// Rows that cannot be read (an id that is not a UUID, a payload of the wrong kind) are
    /// dead-lettered at once with the reason instead of being returned, so they never block
    /// their group or come back at every lease expiry.
    func claim(endpoint: String, owner: String, token: ClaimToken, limit: Int, lease: Duration) async throws -> [StoredDelivery]
    /// Pushes the lease of every row still held by `tokens` to `lease` from now; returns how many
    /// rows it extended.
    @discardableResult
    func extendLeases(_ tokens: [ClaimToken], lease: Duration) async throws -> Int
    /// Marks deliveries handled (kept for deduplication); returns how many rows changed. Only
    /// rows `token` still holds change.
    @discardableResult
    func complete(_ ids: [Int64], token: ClaimToken) async throws -> Int
    /// Schedules another attempt: releases the claim and makes the row due at `availableAt`.
    /// Returns false when `token` no longer holds the row.
    @discardableResult
    func retry(_ id: Int64, token: ClaimToken, availableAt: Date, error: String) async throws -> Bool
    /// Moves a delivery to the dead letters with `error`. Returns false when `token` no longer
    /// holds the row.
    @discardableResult
    func deadLetter(_ id: Int64, token: ClaimToken, error: String) async throws -> Bool
    /// Gives back rows `token` holds that were never attempted (the rest of a group's run after a
    /// failure), without counting the attempt the claim added; returns how many.
    @discardableResult
    func release(_ ids: [Int64], token: ClaimToken) async throws -> Int
    /// Releases every claim `owner` holds on unfinished rows, so another process takes them now,
    /// and gives back the attempt each claim counted: a delivery released at shutdown did not
    /// fail. Returns how many rows it released.
    @discardableResult
    func release(owner: String) async throws -> Int
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

/// Names one claim of durable rows. Finalizing and extending act only on rows the claim still
/// holds, so a claim that expired cannot finish a newer one, even in the same process.
public struct ClaimToken: Hashable, Sendable, CustomStringConvertible {
    /// The token's unique value, as stored with the rows the claim holds.
    public let uuid: UUID

    /// A new, unique token.
    public init() { uuid = UUID() }

    /// The token with the given value, as read back from a store.
    public init(uuid: UUID) { self.uuid = uuid }

    /// The token's UUID string.
    public var description: String { uuid.uuidString }
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
    /// The unit of work of the current task, or `nil` outside one.
    @TaskLocal public static var current: (any IUnitOfWork)?
}

/// Runs `body` with `unitOfWork` active, then commits; rolls back and rethrows on error.
/// Messages published inside to durable endpoints of the same store join the transaction.
public func withUnitOfWork<R>(
    _ unitOfWork: any IUnitOfWork, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R
) async throws -> R {
    let result: R
    let ledger = OutboxLedger()
    do {
        result = try await ActiveUnitOfWork.$current.withValue(unitOfWork) {
            try await OutboxLedger.$current.withValue(ledger) { try await body() }
        }
    } catch {
        try? await unitOfWork.rollback()
        ledger.rolledBack()
        throw error
    }
    do {
        try await unitOfWork.commit()
    } catch {
        ledger.rolledBack()
        throw error
    }
    return result
}
