import Waku

/// Wakes the tasks waiting on some state each time that state changes, so a waiter re-checks
/// its condition after every change instead of polling. Conditions run in the waiter, outside
/// any lock.
final class ChangeFeed: Sendable {
    private enum Slot {
        /// A waiter got its id and has not registered yet.
        case announced
        case waiting(CheckedContinuation<Void, Never>)
        /// Cancelled before it registered: it returns as soon as it does.
        case cancelled
    }

    private struct State {
        var version: UInt64 = 0
        var nextID: UInt64 = 0
        var slots: [UInt64: Slot] = [:]
    }

    private let state = Locked(State())

    /// Grows with every change.
    var version: UInt64 { state.withLock { $0.version } }

    /// Reports a change: every waiter wakes and re-checks.
    func changed() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.version &+= 1
            var waiting: [CheckedContinuation<Void, Never>] = []
            for (id, slot) in state.slots {
                if case .waiting(let continuation) = slot {
                    waiting.append(continuation)
                    state.slots[id] = nil
                }
            }
            return waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Returns once the state changed after `seen` (a ``version``), or, if `cancellable`, once
    /// the task is cancelled.
    func next(after seen: UInt64, cancellable: Bool) async {
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            state.slots[state.nextID] = .announced
            return state.nextID
        }
        let register = { (continuation: CheckedContinuation<Void, Never>) in
            let now = self.state.withLock { state -> Bool in
                if state.version != seen { state.slots[id] = nil; return true }
                if case .cancelled = state.slots[id] { state.slots[id] = nil; return true }
                state.slots[id] = .waiting(continuation)
                return false
            }
            if now { continuation.resume() }
        }
        guard cancellable else {
            await withCheckedContinuation(register)
            return
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation(register)
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<Void, Never>? in
                switch state.slots[id] {
                case .announced:
                    state.slots[id] = .cancelled
                    return nil
                case .waiting(let continuation):
                    state.slots[id] = nil
                    return continuation
                case .cancelled, nil:
                    return nil
                }
            }
            waiting?.resume()
        }
    }

    /// Waits until `condition` holds, re-checking it after every change. Returns `false` when
    /// `timeout` passes or the task is cancelled first.
    func wait(
        timeout: Duration, isolation: isolated (any Actor)? = #isolation, until condition: () throws -> Bool
    ) async rethrows -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var timer: Task<Void, Never>?
        defer { timer?.cancel() }
        while true {
            let seen = version
            if try condition() { return true }
            if Task.isCancelled || ContinuousClock.now >= deadline { return false }
            if timer == nil {
                // One wake-up at the deadline, so the loop ends without polling.
                timer = Task { [self] in
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    if !Task.isCancelled { changed() }
                }
            }
            await next(after: seen, cancellable: true)
        }
    }
}
