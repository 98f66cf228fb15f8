public import Foundation

/// Operator tools on a durable store: what each endpoint holds, which claims are in flight, and
/// the dead letters, found by filter, replayed or purged.
///
/// Every method is safe while workers run on the same store. Reads are snapshots. Replay and
/// purge are single statements that change only dead-lettered rows, so they never touch a row a
/// worker holds, and a row a worker dead-letters while one runs is either changed by it or left
/// for the next one.
///
/// To see what a replay or purge would change (a dry run), list the same filter with
/// ``deadLetters(matching:limit:)`` first. `waku-admin`, the command-line tool built on this
/// protocol, does exactly that for `--dry-run`.
public protocol DurableStoreAdministration: DurableStore {
    /// Row counts per endpoint, for every endpoint that has rows, ordered by endpoint name.
    ///
    /// Counting reads every row of the deliveries table, handled rows included; purge handled
    /// rows now and then to keep it quick.
    func statistics() async throws -> [DurableEndpointStatistics]
    /// Claims in flight (a pending row whose lease has not expired), of `endpoint` or of every
    /// endpoint when `nil`, ordered by endpoint, lease owner and row id.
    func leases(endpoint: String?) async throws -> [DurableLease]
    /// The dead letters `filter` matches, oldest first (by row id), at most `limit` of them when
    /// it is not `nil`.
    func deadLetters(matching filter: DeadLetterFilter, limit: Int?) async throws -> [DeadLetter]
    /// The dead letter with row id `id`, or `nil` when no such row exists or it is not dead.
    func deadLetter(id: Int64) async throws -> DeadLetter?
    /// Makes the dead letters `filter` matches pending again, due now: attempts back to 0, lease
    /// and claim cleared, the last error kept for reference. Returns how many rows it changed.
    /// Local workers of this store are woken at once; other processes see the rows at their next
    /// poll.
    @discardableResult
    func replayDeadLetters(matching filter: DeadLetterFilter) async throws -> Int
    /// Deletes the dead letters `filter` matches; returns how many.
    @discardableResult
    func purgeDeadLetters(matching filter: DeadLetterFilter) async throws -> Int
}

extension DurableStoreAdministration {
    /// Every dead letter `filter` matches, oldest first.
    public func deadLetters(matching filter: DeadLetterFilter) async throws -> [DeadLetter] {
        try await deadLetters(matching: filter, limit: nil)
    }
}

/// How many rows of one durable endpoint are in each state.
///
/// `pending`, `scheduled` and `inFlight` split the unfinished rows: a row whose lease expired
/// (its worker died) counts as pending or scheduled again, as it is claimable.
public struct DurableEndpointStatistics: Sendable, Codable, Equatable, Hashable {
    /// The endpoint's name.
    public var endpoint: String
    /// Due and unclaimed: waiting for a worker. Rows behind their group's head count here too.
    public var pending: Int
    /// Unclaimed and not due yet: delayed deliveries and rows waiting for a retry's backoff.
    public var scheduled: Int
    /// Claimed, with a lease that has not expired: a worker is running them.
    public var inFlight: Int
    /// Handled, kept for deduplication until handled rows are purged.
    public var handled: Int
    /// Dead-lettered: retries exhausted, or unreadable.
    public var dead: Int

    /// Counts for `endpoint`.
    public init(endpoint: String, pending: Int = 0, scheduled: Int = 0, inFlight: Int = 0, handled: Int = 0, dead: Int = 0) {
        self.endpoint = endpoint
        self.pending = pending
        self.scheduled = scheduled
        self.inFlight = inFlight
        self.handled = handled
        self.dead = dead
    }

    /// Every row of the endpoint.
    public var total: Int { pending + scheduled + inFlight + handled + dead }
}

/// A claim in flight: one row a worker leased and has not finalized yet.
///
/// A live worker extends its leases every fifth of the lease, so `leaseUntil` keeps moving
/// forward while the handler runs, however long it takes. A worker that died stops extending:
/// its rows drop out of the leases when `leaseUntil` passes, and are claimed again.
public struct DurableLease: Sendable, Codable, Equatable, Hashable {
    /// The row id.
    public var id: Int64
    /// The delivery's message id, as stored.
    public var messageId: String
    /// The endpoint the row belongs to.
    public var endpoint: String
    /// The stored message type name.
    public var messageType: String
    /// The handler the row is for.
    public var handler: String
    /// The row's group key, if any.
    public var groupId: String?
    /// Who holds the lease: the process and endpoint identity a worker claims under.
    public var owner: String
    /// Attempts so far, this one included (each claim counts one).
    public var attempts: Int
    /// When the current attempt started (its claim); `nil` for a row claimed before the store
    /// recorded it.
    public var claimedAt: Date?
    /// When the lease expires unless the worker extends it.
    public var leaseUntil: Date
    /// The store's clock when the lease was read: the reference for ``running`` and
    /// ``remaining``, so a skewed local clock does not distort them.
    public var readAt: Date

    /// A lease as read from a store.
    public init(
        id: Int64, messageId: String, endpoint: String, messageType: String, handler: String, groupId: String?, owner: String,
        attempts: Int, claimedAt: Date?, leaseUntil: Date, readAt: Date
    ) {
        self.id = id
        self.messageId = messageId
        self.endpoint = endpoint
        self.messageType = messageType
        self.handler = handler
        self.groupId = groupId
        self.owner = owner
        self.attempts = attempts
        self.claimedAt = claimedAt
        self.leaseUntil = leaseUntil
        self.readAt = readAt
    }

    /// How long the current attempt had been running when the lease was read.
    public var running: TimeInterval? { claimedAt.map { max(0, readAt.timeIntervalSince($0)) } }

    /// How long the lease had left when it was read.
    public var remaining: TimeInterval { max(0, leaseUntil.timeIntervalSince(readAt)) }
}

/// A dead-lettered delivery, with what an operator needs to decide what to do with it.
public struct DeadLetter: Sendable, Codable, Equatable, Hashable {
    /// The row id: what ``DeadLetterFilter/ids`` and ``DurableStoreAdministration/deadLetter(id:)`` take.
    public var id: Int64
    /// The delivery's message id as stored (text: an unreadable row may hold something else).
    public var messageId: String
    /// The endpoint the row belongs to.
    public var endpoint: String
    /// The stored message type name.
    public var messageType: String
    /// The handler the row is for.
    public var handler: String
    /// The row's group key, if any.
    public var groupId: String?
    /// Attempts made (each claim counts one); 0 for a row dead-lettered before any handler ran.
    public var attempts: Int
    /// The error of the last attempt, or why the row could not be delivered.
    public var lastError: String?
    /// When the delivery was stored.
    public var createdAt: Date
    /// When its first attempt started; `nil` if the store did not record it.
    public var firstAttemptAt: Date?
    /// When its last attempt started; `nil` if the store did not record it.
    public var lastAttemptAt: Date?
    /// When it was dead-lettered.
    public var deadLetteredAt: Date?
    /// The message as stored: JSON for messages swift-waku wrote.
    public var payload: Data
    /// The envelope headers stored with the delivery.
    public var headers: [String: String]

    /// A dead letter as read from a store.
    public init(
        id: Int64, messageId: String, endpoint: String, messageType: String, handler: String, groupId: String?, attempts: Int,
        lastError: String?, createdAt: Date, firstAttemptAt: Date?, lastAttemptAt: Date?, deadLetteredAt: Date?, payload: Data,
        headers: [String: String]
    ) {
        self.id = id
        self.messageId = messageId
        self.endpoint = endpoint
        self.messageType = messageType
        self.handler = handler
        self.groupId = groupId
        self.attempts = attempts
        self.lastError = lastError
        self.createdAt = createdAt
        self.firstAttemptAt = firstAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.deadLetteredAt = deadLetteredAt
        self.payload = payload
        self.headers = headers
    }
}

/// Which dead letters to list, replay or purge. Every criterion is optional and they combine
/// with AND; the empty filter, `DeadLetterFilter()`, matches every dead letter.
public struct DeadLetterFilter: Sendable, Codable, Equatable, Hashable {
    /// Only these row ids; an empty array matches nothing.
    public var ids: [Int64]?
    /// Only rows of this endpoint.
    public var endpoint: String?
    /// Only rows of this stored message type name.
    public var messageType: String?
    /// Only rows for this handler.
    public var handler: String?
    /// Only rows whose last error contains this text, ignoring case (on SQLite, case is ignored
    /// for ASCII letters only).
    public var errorContains: String?
    /// Only rows dead-lettered at least this long ago.
    public var olderThan: Duration?

    /// A filter on the given criteria; with none, it matches every dead letter.
    public init(
        ids: [Int64]? = nil, endpoint: String? = nil, messageType: String? = nil, handler: String? = nil,
        errorContains: String? = nil, olderThan: Duration? = nil
    ) {
        self.ids = ids
        self.endpoint = endpoint
        self.messageType = messageType
        self.handler = handler
        self.errorContains = errorContains
        self.olderThan = olderThan
    }

    /// Whether the filter has no criterion, and so matches every dead letter.
    public var isEmpty: Bool {
        ids == nil && endpoint == nil && messageType == nil && handler == nil && errorContains == nil && olderThan == nil
    }
}
