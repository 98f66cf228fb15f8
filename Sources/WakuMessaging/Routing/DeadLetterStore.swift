public import Foundation
import Waku

/// A delivery that exhausted its error policy.
public struct DeadLetterRecord: Sendable, Identifiable {
    /// A unique id, used to replay or remove this record.
    public let id: UUID
    /// The delivery that failed, as it was when it was dead-lettered.
    public let delivery: Delivery
    /// The envelope of the failed delivery.
    public var envelope: MessageEnvelope { delivery.envelope }
    /// The name of the handler that failed.
    public var handler: String { delivery.handler }
    /// The endpoint the delivery was routed to.
    public var endpoint: String { delivery.endpoint }
    /// The error of the last attempt.
    public let error: String
    /// Attempts made before giving up.
    public let attempts: Int
    /// When the delivery was first enqueued.
    public let firstEnqueuedAt: Date
    /// When the delivery was dead-lettered.
    public let deadLetteredAt: Date

    /// A record of `delivery` failing with `error` after `attempts` attempts, under a new id.
    public init(delivery: Delivery, error: String, attempts: Int, deadLetteredAt: Date = Date()) {
        id = UUID()
        self.delivery = delivery
        self.error = error
        self.attempts = attempts
        firstEnqueuedAt = delivery.enqueuedAt
        self.deadLetteredAt = deadLetteredAt
    }
}

/// Where dead letters go. Replay them through ``MessagingRuntime/replayDeadLetters(_:)``.
public protocol DeadLetterStore: Sendable {
    /// Stores one dead letter.
    func add(_ record: DeadLetterRecord) async throws
    /// Every stored dead letter, oldest first.
    func list() async throws -> [DeadLetterRecord]
    /// Removes and returns the records with these ids.
    func remove(_ ids: [UUID]) async throws -> [DeadLetterRecord]
    /// Removes every record; returns how many there were.
    @discardableResult func purge() async throws -> Int
}

/// The default dead-letter store: in memory, lost with the process.
public final class InMemoryDeadLetterStore: DeadLetterStore {
    private let records = Locked<[DeadLetterRecord]>([])

    /// An empty store.
    public init() {}

    /// Appends `record` in memory.
    public func add(_ record: DeadLetterRecord) async throws {
        records.withLock { $0.append(record) }
    }

    /// Every record in the order they were added.
    public func list() async throws -> [DeadLetterRecord] {
        records.withLock { $0 }
    }

    public func remove(_ ids: [UUID]) async throws -> [DeadLetterRecord] {
        let wanted = Set(ids)
        return records.withLock { records in
            let removed = records.filter { wanted.contains($0.id) }
            records.removeAll { wanted.contains($0.id) }
            return removed
        }
    }

    @discardableResult
    public func purge() async throws -> Int {
        records.withLock { records in
            defer { records = [] }
            return records.count
        }
    }
}
