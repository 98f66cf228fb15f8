public import Foundation

/// A delivery that exhausted its error policy.
public struct DeadLetterRecord: Sendable, Identifiable {
    public let id: UUID
    public let delivery: Delivery
    public var envelope: MessageEnvelope { delivery.envelope }
    public var handler: String { delivery.handler }
    public var endpoint: String { delivery.endpoint }
    public let error: String
    public let attempts: Int
    public let firstEnqueuedAt: Date
    public let deadLetteredAt: Date

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
    func add(_ record: DeadLetterRecord) async throws
    func list() async throws -> [DeadLetterRecord]
    /// Removes and returns the records with these ids.
    func remove(_ ids: [UUID]) async throws -> [DeadLetterRecord]
    /// Removes every record; returns how many there were.
    @discardableResult func purge() async throws -> Int
}

/// The default dead-letter store: in memory, lost with the process.
public final class InMemoryDeadLetterStore: DeadLetterStore {
    private let records = MessagingLock<[DeadLetterRecord]>([])

    public init() {}

    public func add(_ record: DeadLetterRecord) async throws {
        records.withLock { $0.append(record) }
    }

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
