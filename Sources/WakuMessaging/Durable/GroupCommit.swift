import Waku

/// Group commit for a durable store's own inserts: deliveries that several tasks persist at the
/// same time are written together, in one statement and one commit, instead of one commit each.
///
/// No task waits for a timer. The first caller writes its rows at once (it is the "leader");
/// callers arriving while a write is in flight queue up. When the write ends, the leader wakes
/// the first queued caller, which becomes the next leader and writes everything queued (up to
/// `maxRows`) in one go, then hands over in turn. So under load each write takes everything that
/// arrived during the previous one, and a lone caller pays nothing extra.
///
/// Guarantees: ``submit(_:write:)`` returns only after `write` committed the caller's rows, and throws
/// when they were not written. When a shared write fails, each caller's rows are written again
/// on their own, so one caller's bad rows never fail another caller's publish. Writes that carry
/// other callers' rows run in a task of their own, so cancelling the leader cannot fail them.
package final class GroupCommit<Row: Sendable>: Sendable {
    private enum Turn: Sendable {
        /// Your rows were written (or not, with the error).
        case written(Result<Void, any Error>)
        /// Nobody is writing: take the queue and write it.
        case lead
    }

    private struct Waiter {
        let rows: [Row]
        let turn: CheckedContinuation<Turn, Never>
    }

    private struct State {
        var writing = false
        var queue: [Waiter] = []
    }

    private let state = Locked(State())
    private let maxRows: Int

    /// - Parameter maxRows: most rows one write takes (a caller's rows are never split across writes).
    package init(maxRows: Int) {
        self.maxRows = max(1, maxRows)
    }

    /// Callers waiting for a write in progress to end (for tests).
    package var queuedCallers: Int { state.withLock { $0.queue.count } }

    /// Writes `rows`, together with those of concurrent callers, and returns once they are
    /// committed. `write` writes and commits rows in one transaction; whichever caller leads a
    /// group runs its own `write` for everyone, so all callers must pass the same operation.
    package func submit(_ rows: [Row], write: @escaping @Sendable ([Row]) async throws -> Void) async throws {
        let leading = state.withLock { state -> Bool in
            if state.writing { return false }
            state.writing = true
            return true
        }
        if !leading {
            let turn = await withCheckedContinuation { continuation in
                let leadNow = state.withLock { state -> Bool in
                    if state.writing {
                        state.queue.append(Waiter(rows: rows, turn: continuation))
                        return false
                    }
                    // The writer finished in between: lead ourselves.
                    state.writing = true
                    return true
                }
                if leadNow { continuation.resume(returning: .lead) }
            }
            if case .written(let result) = turn { return try result.get() }
        }
        try await lead(rows, write)
    }

    /// Writes our rows and those queued behind them, then passes the lead on.
    private func lead(_ own: [Row], _ write: @escaping @Sendable ([Row]) async throws -> Void) async throws {
        let followers = state.withLock { state -> [Waiter] in
            var taken = 0
            var count = own.count
            while taken < state.queue.count, count + state.queue[taken].rows.count <= maxRows {
                count += state.queue[taken].rows.count
                taken += 1
            }
            defer { state.queue.removeFirst(taken) }
            return Array(state.queue.prefix(taken))
        }
        let result: Result<Void, any Error>
        if followers.isEmpty {
            result = await Self.attempt { try await write(own) }
            handOver()
            return try result.get()
        }
        let groups = [own] + followers.map(\.rows)
        // Other callers' rows are written in a task of their own: cancelling the leader's task
        // must not fail (or cancel) the writes its followers wait for.
        let outcomes = await Task {
            let shared = await Self.attempt { try await write(groups.flatMap { $0 }) }
            guard case .failure = shared else { return Array(repeating: shared, count: groups.count) }
            // Isolate the failure: each caller's rows on their own.
            var outcomes: [Result<Void, any Error>] = []
            for rows in groups { outcomes.append(await Self.attempt { try await write(rows) }) }
            return outcomes
        }.value
        let ownResult = outcomes[0]
        let results = outcomes.dropFirst()
        for (follower, result) in zip(followers, results) {
            follower.turn.resume(returning: .written(result))
        }
        handOver()
        try ownResult.get()
    }

    /// Wakes the next queued caller as leader, or marks the writer idle.
    private func handOver() {
        let next = state.withLock { state -> Waiter? in
            if state.queue.isEmpty {
                state.writing = false
                return nil
            }
            return state.queue.removeFirst()
        }
        next?.turn.resume(returning: .lead)
    }

    private static func attempt(_ body: () async throws -> Void) async -> Result<Void, any Error> {
        do {
            try await body()
            return .success(())
        } catch {
            return .failure(error)
        }
    }
}
