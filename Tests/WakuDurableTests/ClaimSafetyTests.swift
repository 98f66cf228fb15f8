import Foundation
import Testing
import WakuMessaging
import WakuPostgres
import WakuSQLite

/// What a claim promises, checked the same way on both stores: a finalize acts only on its own
/// claim, a heartbeat keeps a claim, a release gives the attempt back, and a grouped claim
/// returns exactly the head of each group.
enum ClaimSafety {
    static func row(_ endpoint: String, _ n: Int, group: String? = nil) -> StoredDelivery {
        StoredDelivery(
            messageId: UUID(), correlationId: UUID(), causationId: UUID(), messageType: DurablePing.messageName, handler: "h",
            endpoint: endpoint, payload: Data(#"{"n":\#(n)}"#.utf8), headers: [:], timestamp: Date(), groupId: group,
            availableAt: Date())
    }

    /// The claim of an expired lease cannot complete, retry or dead-letter the newer claim of
    /// the same row, even from the same owner (one process).
    static func expiredClaimCannotFinalize(_ store: any DurableStore) async throws {
        try await store.insert([row("tok", 1)])
        let first = ClaimToken()
        let second = ClaimToken()
        let old = try await store.claim(endpoint: "tok", owner: "same-process", token: first, limit: 10, lease: .milliseconds(50))
        #expect(old.count == 1)
        try await Task.sleep(for: .milliseconds(150))
        let new = try await store.claim(endpoint: "tok", owner: "same-process", token: second, limit: 10, lease: .seconds(30))
        #expect(new.map(\.id) == old.map(\.id))
        #expect(new.first?.attempts == 2)

        let id = try #require(old.first?.id)
        #expect(try await store.complete([id], token: first) == 0)
        #expect(try await store.retry(id, token: first, availableAt: Date(), error: "late") == false)
        #expect(try await store.deadLetter(id, token: first, error: "late") == false)
        #expect(try await store.pendingCount(endpoint: "tok") == 1)
        #expect(try await store.deadLetters(endpoint: "tok").isEmpty)

        #expect(try await store.complete([id], token: second) == 1)
        #expect(try await store.handledCount(endpoint: "tok") == 1)
    }

    /// A lease extended by the heartbeat is not claimable after its original end.
    static func extendedLeaseIsKept(_ store: any DurableStore) async throws {
        try await store.insert([row("beat", 1), row("beat", 2)])
        let token = ClaimToken()
        let held = try await store.claim(endpoint: "beat", owner: "a", token: token, limit: 10, lease: .milliseconds(100))
        #expect(held.count == 2)
        #expect(try await store.extendLeases([token], lease: .seconds(30)) == 2)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await store.claim(endpoint: "beat", owner: "b", token: ClaimToken(), limit: 10, lease: .seconds(30)).isEmpty)
        #expect(try await store.complete(held.map(\.id), token: token) == 2)
        // A finished claim is not extended.
        #expect(try await store.extendLeases([token], lease: .seconds(30)) == 0)
    }

    /// Releasing at stop hands rows back at once and does not count the interrupted attempt.
    static func releaseGivesTheAttemptBack(_ store: any DurableStore) async throws {
        try await store.insert([row("rel", 1)])
        let claimed = try await store.claim(endpoint: "rel", owner: "stopping", token: ClaimToken(), limit: 10, lease: .seconds(600))
        #expect(claimed.first?.attempts == 1)
        #expect(try await store.release(owner: "stopping") == 1)
        let again = try await store.claim(endpoint: "rel", owner: "next", token: ClaimToken(), limit: 10, lease: .seconds(30))
        #expect(again.map(\.id) == claimed.map(\.id))
        #expect(again.first?.attempts == 1, "the released claim's attempt was given back")
    }

    /// With many pending rows per group, a claim returns each group's oldest row and nothing
    /// behind it, plus ungrouped rows; the next rows become heads only once the heads finish.
    static func groupedClaimTakesHeads(_ store: any DurableStore) async throws {
        var rows: [StoredDelivery] = []
        for position in 0 ..< 10 {
            for group in 0 ..< 50 { rows.append(row("grp", position * 50 + group, group: "g\(group)")) }
        }
        rows += (0 ..< 20).map { row("grp", 1_000 + $0) }
        try await store.insert(rows)

        let token = ClaimToken()
        let first = try await store.claim(endpoint: "grp", owner: "a", token: token, limit: 200, lease: .seconds(30))
        let grouped = first.filter { $0.groupId != nil }
        #expect(grouped.count == 50, "one head per group")
        #expect(Set(grouped.compactMap(\.groupId)).count == 50)
        #expect(first.count == 70, "the 50 heads and the 20 ungrouped rows")
        #expect(grouped.allSatisfy { $0.payload == Data(#"{"n":\#(Int($0.groupId?.dropFirst() ?? "") ?? -1)}"#.utf8) },
                "each head is its group's first row")
        // While the heads are held, nothing behind them is claimable.
        #expect(try await store.claim(endpoint: "grp", owner: "b", token: ClaimToken(), limit: 200, lease: .seconds(30)).isEmpty)

        #expect(try await store.complete(first.map(\.id), token: token) == 70)
        let second = try await store.claim(endpoint: "grp", owner: "b", token: ClaimToken(), limit: 200, lease: .seconds(30))
        #expect(second.count == 50)
        #expect(second.allSatisfy { row in
            guard let group = row.groupId?.dropFirst(), let index = Int(group) else { return false }
            return row.payload == Data(#"{"n":\#(50 + index)}"#.utf8)
        }, "the second row of each group is its new head")
    }

    static let all: [(String, @Sendable (any DurableStore) async throws -> Void)] = [
        ("expired claim", expiredClaimCannotFinalize),
        ("heartbeat", extendedLeaseIsKept),
        ("release", releaseGivesTheAttemptBack),
        ("group heads", groupedClaimTakesHeads),
    ]
}

@Suite("Claim safety on SQLite")
struct SQLiteClaimSafetyTests {
    @Test("a finalize with an expired claim's token changes nothing, even in the same process")
    func expiredClaim() async throws { try await run(ClaimSafety.expiredClaimCannotFinalize) }

    @Test("an extended lease is not claimable after its original end")
    func heartbeat() async throws { try await run(ClaimSafety.extendedLeaseIsKept) }

    @Test("a release hands the rows back and gives the attempt back")
    func release() async throws { try await run(ClaimSafety.releaseGivesTheAttemptBack) }

    @Test("a grouped claim takes exactly the head of each group")
    func groupHeads() async throws { try await run(ClaimSafety.groupedClaimTakesHeads) }

    @Test("an empty or in-memory path is rejected, naming the fix")
    func badPaths() async throws {
        for path in ["", "  ", ":memory:"] {
            let store = SQLiteDurableStore(path: path)
            let error = await #expect(throws: DurableStoreUnavailable.self) { try await store.prepare() }
            #expect(error?.fix.contains("path of a database file") == true, "\(String(describing: error))")
            await store.shutdown()
        }
    }

    @Test("a file that is not a database is named in the start-up error")
    func notADatabase() async throws {
        let path = temporarySQLitePath()
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        let store = SQLiteDurableStore(path: path)
        let error = await #expect(throws: DurableStoreUnavailable.self) { try await store.prepare() }
        #expect(error?.description.contains(path) == true, "\(String(describing: error))")
        await store.shutdown()
    }

    private func run(_ check: (any DurableStore) async throws -> Void) async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        try await store.prepare()
        try await check(store)
        await store.shutdown()
    }
}

extension PostgresDurableTests {
    @Test("claim safety on PostgreSQL: expired claims, heartbeats, releases and group heads")
    func claimSafety() async throws {
        for (name, check) in ClaimSafety.all {
            let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema("c"))
            try await store.prepare()
            do {
                try await check(store)
            } catch {
                Issue.record("\(name): \(error)")
            }
            await store.dropSchemaAndShutdown()
        }
    }
}
