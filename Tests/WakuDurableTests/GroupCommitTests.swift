#if SQLite
import Foundation
import Testing
import Waku
import WakuMessaging
import WakuSQLite
import WakuTesting

/// Records the writes a ``GroupCommit`` makes; the first write can be held until released.
private final class WriteLog: Sendable {
    private struct State {
        var writes: [[Int]] = []
        var gate: CheckedContinuation<Void, Never>?
        var holdFirst: Bool
        var firstStarted: CheckedContinuation<Void, Never>?
        var started = false
    }

    private let state: Locked<State>
    /// Rows whose write fails (the whole write fails when it contains one).
    private let poisoned: Set<Int>
    private let cancellable: Bool

    init(holdFirst: Bool = false, poisoned: Set<Int> = [], failsWhenCancelled: Bool = false) {
        state = Locked(State(holdFirst: holdFirst))
        self.poisoned = poisoned
        cancellable = failsWhenCancelled
    }

    var writes: [[Int]] { state.withLock { $0.writes } }

    func write(_ rows: [Int]) async throws {
        let hold = state.withLock { state -> Bool in
            defer { state.holdFirst = false }
            return state.holdFirst
        }
        if hold {
            await withCheckedContinuation { continuation in
                let started = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    state.gate = continuation
                    state.started = true
                    defer { state.firstStarted = nil }
                    return state.firstStarted
                }
                started?.resume()
            }
        }
        if cancellable { try Task.checkCancellation() }
        if !poisoned.isDisjoint(with: rows) { throw Poisoned() }
        state.withLock { $0.writes.append(rows) }
    }

    /// Waits until the held first write is in progress.
    func firstWriteStarted() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.started { return true }
                state.firstStarted = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    func releaseFirst() {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.gate = nil }
            return state.gate
        }?.resume()
    }

    struct Poisoned: Error {}
}

@Suite("Group commit of durable inserts", .timeLimit(.minutes(2)))
struct GroupCommitTests {
    @Test("callers arriving during a write are written together in the next one, each returning after its rows were written")
    func coalescesWaitingCallers() async throws {
        let commit = GroupCommit<Int>(maxRows: 10_000)
        let log = WriteLog(holdFirst: true)
        let first = Task { try await commit.submit([0]) { try await log.write($0) } }
        await log.firstWriteStarted()
        let callers = 50
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 1 ... callers {
                group.addTask { try await commit.submit([caller * 10, caller * 10 + 1]) { try await log.write($0) } }
            }
            // Every caller queues behind the held write before it is released.
            while commit.queuedCallers < callers { await Task.yield() }
            #expect(log.writes.isEmpty, "nothing returned or was written while the first write is held")
            log.releaseFirst()
            try await group.waitForAll()
        }
        try await first.value
        let writes = log.writes
        #expect(writes.count == 2, "one held write, then one for all \(callers) queued callers: \(writes.map(\.count))")
        #expect(writes.first == [0])
        #expect(Set(writes.last ?? []) == Set((1 ... callers).flatMap { [$0 * 10, $0 * 10 + 1] }))
        #expect(commit.queuedCallers == 0)
    }

    @Test("a group never exceeds maxRows; a caller's rows are never split")
    func respectsMaxRows() async throws {
        let commit = GroupCommit<Int>(maxRows: 6)
        let log = WriteLog(holdFirst: true)
        let first = Task { try await commit.submit([0]) { try await log.write($0) } }
        await log.firstWriteStarted()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 1 ... 10 {
                group.addTask { try await commit.submit([caller, caller + 100]) { try await log.write($0) } }
            }
            while commit.queuedCallers < 10 { await Task.yield() }
            log.releaseFirst()
            try await group.waitForAll()
        }
        try await first.value
        let writes = log.writes
        #expect(writes.allSatisfy { $0.count <= 6 }, "\(writes)")
        for caller in 1 ... 10 {
            #expect(writes.contains { $0.contains(caller) && $0.contains(caller + 100) }, "caller \(caller)'s rows were split: \(writes)")
        }
        #expect(writes.flatMap { $0 }.count == 21, "every row written exactly once")
    }

    @Test("when a shared write fails, only the caller whose rows fail gets the error")
    func isolatesFailures() async throws {
        let commit = GroupCommit<Int>(maxRows: 10_000)
        let log = WriteLog(holdFirst: true, poisoned: [13])
        let first = Task { try await commit.submit([0]) { try await log.write($0) } }
        await log.firstWriteStarted()
        let outcomes = Locked<[Int: Bool]>([:])
        await withTaskGroup(of: Void.self) { group in
            for caller in 10 ..< 20 {
                group.addTask {
                    let ok = (try? await commit.submit([caller]) { try await log.write($0) }) != nil
                    outcomes.withLock { $0[caller] = ok }
                }
            }
            while commit.queuedCallers < 10 { await Task.yield() }
            log.releaseFirst()
        }
        try await first.value
        let results = outcomes.withLock { $0 }
        #expect(results[13] == false)
        let othersSucceeded = results.filter { $0.key != 13 }.allSatisfy { $0.value }
        #expect(othersSucceeded, "\(results)")
        #expect(results.count == 10)
        #expect(Set(log.writes.flatMap { $0 }) == Set([0] + (10 ..< 20).filter { $0 != 13 }))
    }

    @Test("cancelling the caller that leads a group does not fail the other callers' writes")
    func leaderCancellationSparesFollowers() async throws {
        let commit = GroupCommit<Int>(maxRows: 10_000)
        let log = WriteLog(holdFirst: true, failsWhenCancelled: true)
        let first = Task { try await commit.submit([0]) { try await log.write($0) } }
        await log.firstWriteStarted()
        // The first queued caller leads the next group; it is cancelled before it gets the lead.
        let leader = Task { try await commit.submit([1]) { try await log.write($0) } }
        while commit.queuedCallers < 1 { await Task.yield() }
        let followers = (2 ... 11).map { caller in Task { try await commit.submit([caller]) { try await log.write($0) } } }
        while commit.queuedCallers < 11 { await Task.yield() }
        leader.cancel()
        log.releaseFirst()
        try await first.value
        var failures = 0
        for follower in followers where (try? await follower.value) == nil { failures += 1 }
        #expect(failures == 0, "followers failed because their leader was cancelled")
        _ = try? await leader.value
        #expect(Set(log.writes.flatMap { $0 }).isSuperset(of: Set(2 ... 11)))
    }

    @Test("stress: 64 tasks × 25 submits each; every row is written exactly once and every caller returns")
    func stress() async throws {
        let commit = GroupCommit<Int>(maxRows: 100)
        let log = WriteLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0 ..< 64 {
                group.addTask {
                    for index in 0 ..< 25 {
                        try await commit.submit([task * 1_000 + index]) { rows in
                            await Task.yield()
                            try await log.write(rows)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let rows = log.writes.flatMap { $0 }
        #expect(rows.count == 64 * 25)
        #expect(Set(rows).count == 64 * 25)
        #expect(log.writes.allSatisfy { $0.count <= 100 })
        #expect(commit.queuedCallers == 0)
    }
}

@Suite("Concurrent publishing to a durable endpoint on SQLite", .timeLimit(.minutes(2)))
struct SQLiteConcurrentPublishTests {
    @Test("64 tasks insert concurrently through the store: every row is stored once, duplicates are ignored")
    func concurrentInserts() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        try await store.prepare()
        let rows = (0 ..< 64).map { task in (0 ..< 20).map { _ in sqlRow(endpoint: "stress", group: "t\(task)") } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in rows.indices {
                group.addTask {
                    for row in rows[task] { try await store.insert([row]) }
                    // A redelivery of a row already written is ignored, also inside a shared write.
                    try await store.insert([rows[task][0]])
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.pendingCount(endpoint: "stress") == 64 * 20)
        // Insertion order within each task is kept (per-group FIFO relies on it).
        var claimed: [StoredDelivery] = []
        while true {
            let batch = try await store.claim(endpoint: "stress", owner: "me", token: testToken, limit: 500, lease: .seconds(30))
            if batch.isEmpty { break }
            claimed += batch
            try await store.complete(batch.map(\.id), token: testToken)
        }
        #expect(claimed.count == 64 * 20)
        for task in rows.indices {
            let order = claimed.filter { $0.groupId == "t\(task)" }.map(\.messageId)
            #expect(order == rows[task].map(\.messageId), "task \(task)'s rows out of order")
        }
        #expect(try await store.handledCount(endpoint: "stress") == 64 * 20)
        await store.shutdown()
    }

    @Test("32 concurrent publishers, 8 groups: every event handled exactly once, each group in publish order")
    func concurrentPublishersKeepGroupOrder() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        let recorder = SQLRecorder<SQLJob>()
        let app = try await makeSQLDurableApp(
            store: store, recorder: recorder, concurrency: 4, partitionBy: { ($0 as? SQLJob)?.group })
        let publishers = 32
        let perPublisher = 25
        // Publisher p owns group "g\(p % 8)" together with three others; within a publisher, ids rise.
        _ = try await trackMessages(app, timeout: .seconds(60)) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for publisher in 0 ..< publishers {
                    group.addTask {
                        for index in 0 ..< perPublisher {
                            try await sqlPublish(app, SQLJob(id: publisher * 1_000 + index, group: "g\(publisher % 8)"))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        try await app.close()
        let handled = recorder.all
        #expect(handled.count == publishers * perPublisher)
        #expect(Set(handled.map(\.id)).count == publishers * perPublisher, "no duplicates in a crash-free run")
        for publisher in 0 ..< publishers {
            let order = handled.filter { $0.id / 1_000 == publisher }.map(\.id)
            #expect(order == order.sorted(), "publisher \(publisher)'s events of one group were handled out of order")
        }
        #expect(try await store.handledCount(endpoint: "jobs") == publishers * perPublisher)
        #expect(try await store.pendingCount(endpoint: "jobs") == 0)
        await store.shutdown()
    }

    @Test("events published one at a time while the worker runs short batches are all delivered without waiting for the poll")
    func trickleIsNotStranded() async throws {
        let store = SQLiteDurableStore(path: temporarySQLitePath())
        let recorder = SQLRecorder<SQLJob>()
        // A poll interval far beyond the test's time limit: only wake-ups can deliver.
        let config = MessagingConfig(
            endpoints: [.durable("jobs", concurrency: 2, pollInterval: .seconds(3_600))],
            routing: [route(SQLJob.self).to("jobs")],
            durableStore: store)
        let app = try await WakuFactory(
            SQLDurableRoot(config: config, jobs: SQLJobsModule(recorder: recorder, failing: SQLSwitch(false)), extra: [])
        ).create()
        try await app.initialize()
        for id in 0 ..< 60 {
            try await sqlPublish(app, SQLJob(id: id, group: nil))
            if id % 7 == 0 {
                // Let the worker catch up now and then, so it claims short batches and lingers.
                #expect(await recorder.wait { $0.count == id + 1 }, "event \(id) was not delivered")
            }
        }
        #expect(await recorder.wait { $0.count == 60 })
        // Closing waits for the finalize of every batch a worker ran.
        try await app.close()
        #expect(try await store.handledCount(endpoint: "jobs") == 60)
        #expect(Set(recorder.all.map(\.id)) == Set(0 ..< 60))
        await store.shutdown()
    }
}

/// A pending row for `endpoint`, as the endpoint would store it.
func sqlRow(endpoint: String, group: String?) -> StoredDelivery {
    let id = UUID()
    return StoredDelivery(
        messageId: id, correlationId: id, causationId: id, messageType: "t", handler: "h", endpoint: endpoint,
        payload: Data("{}".utf8), headers: [:], timestamp: Date(), groupId: group, availableAt: Date())
}
#endif
