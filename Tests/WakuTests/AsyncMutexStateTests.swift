import Testing
import Waku

/// The mutex's bookkeeping on its own, with strings standing in for continuations.
@Suite("AsyncMutexState")
struct AsyncMutexStateTests {
    typealias State = AsyncMutexState<String>

    @Test func theFirstLockAcquiresAndLaterOnesWaitWithTheirOwnIDs() {
        var state = State()
        #expect(state.lock() == .acquired)
        let first = state.lock()
        let second = state.lock()
        guard case .wait(let a) = first, case .wait(let b) = second else {
            Issue.record("expected two waits, got \(first) and \(second)")
            return
        }
        #expect(a != b)
        #expect(state.waiterCount == 2)
    }

    @Test func unlockHandsOwnershipToWaitersInArrivalOrder() {
        var state = State()
        _ = state.lock()
        guard case .wait(let a) = state.lock(), case .wait(let b) = state.lock() else { Issue.record("no waits"); return }
        // Suspended in the opposite order: arrival order still decides.
        #expect(state.suspend(b, with: "b") == .keepWaiting)
        #expect(state.suspend(a, with: "a") == .keepWaiting)
        #expect(state.unlock() == .acquire("a"))
        #expect(state.unlock() == .acquire("b"))
        #expect(!state.isIdle)
        #expect(state.unlock() == .nothing)
        #expect(state.isIdle)
    }

    @Test func ownershipHandedOverBeforeTheWaiterSuspendedIsGivenWhenItSuspends() {
        var state = State()
        _ = state.lock()
        guard case .wait(let a) = state.lock() else { Issue.record("no wait"); return }
        #expect(state.unlock() == .nothing)
        #expect(state.suspend(a, with: "a") == .acquire("a"))
        #expect(state.unlock() == .nothing)
        #expect(state.isIdle)
    }

    @Test func aCancelledSuspendedWaiterIsFailedAndSkipped() {
        var state = State()
        _ = state.lock()
        guard case .wait(let a) = state.lock(), case .wait(let b) = state.lock() else { Issue.record("no waits"); return }
        _ = state.suspend(a, with: "a")
        _ = state.suspend(b, with: "b")
        #expect(state.cancel(a) == .cancel("a"))
        #expect(state.waiterCount == 1)
        #expect(state.unlock() == .acquire("b"))
        #expect(state.unlock() == .nothing)
        #expect(state.isIdle)
    }

    @Test func aWaiterCancelledBeforeItSuspendedIsFailedWhenItSuspends() {
        var state = State()
        _ = state.lock()
        guard case .wait(let a) = state.lock() else { Issue.record("no wait"); return }
        #expect(state.cancel(a) == .nothing)
        #expect(state.suspend(a, with: "a") == .cancel("a"))
        // It never owned the mutex: the owner's unlock frees it.
        #expect(state.unlock() == .nothing)
        #expect(state.isIdle)
    }

    @Test func cancellingAWaiterThatWasHandedOwnershipLeavesItTheOwner() {
        var state = State()
        _ = state.lock()
        guard case .wait(let a) = state.lock(), case .wait(let b) = state.lock() else { Issue.record("no waits"); return }
        _ = state.suspend(b, with: "b")
        // Handed over before `a` suspended, then cancelled: `a` owns the mutex and must unlock it.
        #expect(state.unlock() == .nothing)
        #expect(state.cancel(a) == .nothing)
        #expect(state.suspend(a, with: "a") == .acquire("a"))
        #expect(state.unlock() == .acquire("b"))
        #expect(state.unlock() == .nothing)
        #expect(state.isIdle)
    }

    @Test func cancellingAWaiterThatWasAlreadyResumedDoesNothing() {
        var state = State()
        _ = state.lock()
        guard case .wait(let a) = state.lock() else { Issue.record("no wait"); return }
        _ = state.suspend(a, with: "a")
        #expect(state.unlock() == .acquire("a"))
        #expect(state.cancel(a) == .nothing)
        #expect(state.unlock() == .nothing)
        #expect(state.isIdle)
    }
}
