#if Postgres
import Waku

/// Sends at most one announcement at a time: endpoints announced while one is in flight are
/// collected and sent together, once, when it ends. No caller ever waits for a send.
final class NotifyDebouncer: Sendable {
    /// Sends one batch of endpoint names; returns whether it succeeded.
    typealias Send = @Sendable ([String]) async -> Bool

    private struct State {
        var pending: Set<String> = []
        var sending = false
        /// Announcements made (one per commit that wrote due deliveries).
        var announced = 0
        /// Batches sent (each one `NOTIFY` statement), and how many of them failed.
        var sends = 0
        var failures = 0
    }

    private let state = Locked(State())

    /// Announcements made so far.
    var announced: Int { state.withLock { $0.announced } }
    /// Batches sent so far (successful or not).
    var sends: Int { state.withLock { $0.sends } }
    /// Batches that failed.
    var failures: Int { state.withLock { $0.failures } }
    /// Whether a batch is being sent or waiting to be.
    var isBusy: Bool { state.withLock { $0.sending } }

    /// Announces `endpoints` ("" for every endpoint). Starts sending in a task of its own unless a
    /// send is in flight, in which case they go out with the next batch. Every caller must pass
    /// the same `send`; the caller that starts a batch runs its own.
    func announce(_ endpoints: some Sequence<String>, send: @escaping Send) {
        let start = state.withLock { state -> Bool in
            state.announced += 1
            state.pending.formUnion(endpoints)
            guard !state.sending, !state.pending.isEmpty else { return false }
            state.sending = true
            return true
        }
        // Detached: a publisher's task-locals, priority and cancellation have nothing to do with it.
        if start { Task.detached { await self.drain(send) } }
    }

    private func drain(_ send: Send) async {
        while true {
            let batch = state.withLock { state -> [String]? in
                if state.pending.isEmpty {
                    state.sending = false
                    return nil
                }
                defer { state.pending = [] }
                state.sends += 1
                return Array(state.pending)
            }
            guard let batch else { return }
            if await !send(batch) { state.withLock { $0.failures += 1 } }
        }
    }

    /// Waits until nothing is being sent, at most `timeout`.
    func waitUntilIdle(atMost timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while isBusy, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}
#endif
