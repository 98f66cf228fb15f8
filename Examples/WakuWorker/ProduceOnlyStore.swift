#if SQLite && Postgres
import Foundation
import WakuMessaging

/// A producing process's view of the store: it persists deliveries but never claims any, so
/// `--produce` publishes through the bus without consuming what it published.
final class ProduceOnlyStore: DurableStore {
    let store: any DurableStore

    init(_ store: any DurableStore) {
        self.store = store
    }

    func prepare() async throws { try await store.prepare() }
    func insert(_ deliveries: [StoredDelivery]) async throws { try await store.insert(deliveries) }
    func claim(endpoint: String, owner: String, token: ClaimToken, limit: Int, lease: Duration) async throws -> [StoredDelivery] { [] }
    func extendLeases(_ tokens: [ClaimToken], lease: Duration) async throws -> Int { 0 }
    func complete(_ ids: [Int64], token: ClaimToken) async throws -> Int { 0 }
    func retry(_ id: Int64, token: ClaimToken, availableAt: Date, error: String) async throws -> Bool { false }
    func deadLetter(_ id: Int64, token: ClaimToken, error: String) async throws -> Bool { false }
    func release(_ ids: [Int64], token: ClaimToken) async throws -> Int { 0 }
    func release(owner: String) async throws -> Int { 0 }
    func deadLetters(endpoint: String?) async throws -> [StoredDelivery] { try await store.deadLetters(endpoint: endpoint) }
    func replayDeadLetters(_ ids: [Int64]) async throws -> Int { try await store.replayDeadLetters(ids) }
    func purgeDeadLetters() async throws -> Int { try await store.purgeDeadLetters() }
    func pendingCount(endpoint: String?) async throws -> Int { try await store.pendingCount(endpoint: endpoint) }
    func handledCount(endpoint: String?) async throws -> Int { try await store.handledCount(endpoint: endpoint) }
    func beginTransaction() async throws -> any DurableTransaction { try await store.beginTransaction() }
    func shutdown() async {}
}
#endif
