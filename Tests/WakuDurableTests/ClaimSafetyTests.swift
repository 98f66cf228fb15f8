#if SQLite && Postgres
import Foundation
import Logging
import Waku
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

    /// With many pending rows per group, a claim takes each group's head and the run behind it,
    /// in order: heads and ungrouped rows first, then second rows of every group, then third
    /// rows. Nothing of a group whose head is held is claimable by anyone else.
    static func groupedClaimTakesRuns(_ store: any DurableStore) async throws {
        var rows: [StoredDelivery] = []
        for position in 0 ..< 10 {
            for group in 0 ..< 50 { rows.append(row("grp", position * 50 + group, group: "g\(group)")) }
        }
        rows += (0 ..< 20).map { row("grp", 1_000 + $0) }
        // A delayed row: its group's run stops before it.
        var delayed = row("grp", 9_999, group: "late")
        delayed.availableAt = Date().addingTimeInterval(3_600)
        rows += [row("grp", 9_000, group: "late"), delayed, row("grp", 9_001, group: "late")]
        try await store.insert(rows)

        func n(_ delivery: StoredDelivery) -> Int {
            (try? JSONDecoder().decode([String: Int].self, from: delivery.payload))?["n"] ?? -1
        }
        let token = ClaimToken()
        let first = try await store.claim(endpoint: "grp", owner: "a", token: token, limit: 200, lease: .seconds(30))
        #expect(first.count == 200)
        #expect(first.filter { $0.groupId == nil }.count == 20, "every ungrouped row")
        let byGroup = Dictionary(grouping: first.filter { $0.groupId != nil }, by: { $0.groupId ?? "" })
        #expect(byGroup.count == 51, "every group's head")
        #expect(byGroup["late"].map { $0.map(n) } == [9_000], "the run stops at the delayed row")
        for group in 0 ..< 50 {
            let taken = (byGroup["g\(group)"] ?? []).sorted { $0.id < $1.id }.map(n)
            // 200 = 20 ungrouped + 51 heads + 129 more: second and third rows of all 50 groups,
            // then fourth rows of the first 29 (by id).
            let expected = (0 ..< (group < 29 ? 4 : 3)).map { $0 * 50 + group }
            #expect(taken == expected, "group g\(group) took \(taken)")
        }
        // While the runs are held, nothing of those groups is claimable.
        let other = try await store.claim(endpoint: "grp", owner: "b", token: ClaimToken(), limit: 200, lease: .seconds(30))
        #expect(other.isEmpty, "\(other.map(n))")

        // Rows not attempted are given back without spending their attempt, and the group
        // goes on from there.
        let g0 = (byGroup["g0"] ?? []).sorted { $0.id < $1.id }
        #expect(try await store.complete([g0[0].id], token: token) == 1)
        #expect(try await store.release(g0.dropFirst().map(\.id), token: token) == 3)
        let next = try await store.claim(endpoint: "grp", owner: "b", token: ClaimToken(), limit: 3, lease: .seconds(30))
        #expect(next.map(n) == [50, 100, 150], "g0 resumes at its second row, in order")
        #expect(next.allSatisfy { $0.attempts == 1 }, "the release gave the attempt back")
    }

    static let all: [(String, @Sendable (any DurableStore) async throws -> Void)] = [
        ("expired claim", expiredClaimCannotFinalize),
        ("heartbeat", extendedLeaseIsKept),
        ("release", releaseGivesTheAttemptBack),
        ("group runs", groupedClaimTakesRuns),
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

    @Test("a grouped claim takes each group's head and the run behind it, in order")
    func groupRuns() async throws { try await run(ClaimSafety.groupedClaimTakesRuns) }

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

// MARK: A group's run through a real endpoint

struct RunJob: IEvent, Codable, NamedMessage {
    static let messageName = "durable-tests.run-job"
    let n: Int
}

/// Whether job 3 failed already: shared by the handler instances of every request scope.
final class FailOnce: Sendable {
    let done = Locked(false)
}

/// Fails the first attempt of job 3, records the order of the others.
final class FlakyRunHandler: EventHandler {
    let recorder: SQLRecorder<Int>
    let failOnce: FailOnce
    init(recorder: SQLRecorder<Int>, failOnce: FailOnce) {
        self.recorder = recorder
        self.failOnce = failOnce
    }

    func handle(_ event: RunJob) async throws {
        if event.n == 3, failOnce.done.withLock({ value in defer { value = true }; return !value }) {
            throw SQLJobFailed(id: 3)
        }
        recorder.append(event.n)
    }
}

struct RunModule: Module {
    let store: any DurableStore
    let recorder: SQLRecorder<Int>

    var imports: [any Module] {
        [
            MessagingModule.register(MessagingConfig(
                endpoints: [.durable("runs", concurrency: 4, errorPolicy: .retry(3, backoff: .milliseconds(50)),
                                     partitionBy: { _ in "one" }, pollInterval: .milliseconds(20))],
                routing: [route(RunJob.self).to("runs")],
                durableStore: store)),
        ]
    }

    let failOnce = FailOnce()
    var providers: [Provider] { [scoped { [recorder, failOnce] in FlakyRunHandler(recorder: recorder, failOnce: failOnce) }] }
    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(RunJob.self, [FlakyRunHandler.self])] }
}

enum GroupRun {
    /// 20 jobs of one group claimed as runs; job 3 fails once. The group must still be handled
    /// strictly in order: the rest of the run behind 3 waits for its retry.
    static func check(_ store: any DurableStore) async throws {
        let recorder = SQLRecorder<Int>()
        var logger = Logger(label: "waku.test")
        logger.logLevel = .critical
        let app = try await WakuFactory(RunModule(store: store, recorder: recorder), logger: logger).create()
        try await app.initialize()
        // Committed together (the outbox), so the first claim takes a long run of the group.
        try await app.withContainer { container in
            let publisher = try await container.get((any IPublisher).self)
            try await withUnitOfWork(try await store.beginTransaction()) {
                for n in 0 ..< 20 { try await publisher.publish(RunJob(n: n)) }
            }
        }
        #expect(try await eventually(timeout: .seconds(30)) { recorder.count == 20 })
        try await app.close()
        #expect(recorder.all == Array(0 ..< 20), "out of order: \(recorder.all)")
        #expect(try await store.handledCount(endpoint: "runs") == 20)
    }
}

extension SQLiteClaimSafetyTests {
    @Test("a group's run is handled in order through a failure and its retry")
    func groupRunThroughFailure() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        try await GroupRun.check(store)
        await store.shutdown()
    }
}

extension PostgresDurableTests {
    @Test("PostgreSQL: a group's run is handled in order through a failure and its retry")
    func groupRunThroughFailure() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema("r"))
        try await GroupRun.check(store)
        await store.dropSchemaAndShutdown()
    }
}
#endif
