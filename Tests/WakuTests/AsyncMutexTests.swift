import Testing
import Waku
import WakuTesting

@Suite("AsyncMutex")
struct AsyncMutexTests {
    /// Waits until `condition` holds, yielding in between: the mutex reports no change events, and
    /// its waiter count is what orders these tests. The deadline turns a hang into a failure.
    private func until(_ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            if ContinuousClock.now > deadline { return false }
            await Task.yield()
        }
        return true
    }

    /// Starts a task that takes `mutex` and holds it until `gate` fires.
    private func hold(_ mutex: AsyncMutex, until gate: Signal) async -> Task<Void, any Error> {
        let holding = Signal()
        let holder = Task {
            try await mutex.withLock {
                holding.fire()
                await gate.waitIgnoringCancellation()
            }
        }
        #expect(await holding.wait())
        return holder
    }

    @Test func waitersGetTheMutexInTheOrderTheyAsked() async throws {
        let mutex = AsyncMutex()
        let gate = Signal()
        let holder = await hold(mutex, until: gate)
        let order = Locked([Int]())
        var waiters: [Task<Void, any Error>] = []
        for index in 0 ..< 8 {
            waiters.append(Task { try await mutex.withLock { order.withLock { $0.append(index) } } })
            #expect(await until { mutex.waiterCount == index + 1 })
        }
        gate.fire()
        try await holder.value
        for waiter in waiters { try await waiter.value }
        #expect(order.withLock { $0 } == Array(0 ..< 8))
        #expect(mutex.isIdle)
    }

    @Test func onlyOneTaskIsInsideAtATimeUnderContention() async throws {
        let mutex = AsyncMutex()
        let counter = Locked((value: 0, inside: 0, overlaps: 0))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0 ..< 16 {
                group.addTask {
                    for _ in 0 ..< 200 {
                        try await mutex.withLock {
                            counter.withLock { state in
                                state.inside += 1
                                if state.inside > 1 { state.overlaps += 1 }
                            }
                            // Suspend inside the critical section, so others really do wait.
                            await Task.yield()
                            counter.withLock { state in
                                state.value += 1
                                state.inside -= 1
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = counter.withLock { $0 }
        #expect(final.value == 3_200)
        #expect(final.overlaps == 0)
        #expect(mutex.isIdle)
    }

    @Test func aCancelledWaiterThrowsWithoutRunningAndLaterWaitersStillGetTheMutex() async throws {
        let mutex = AsyncMutex()
        let gate = Signal()
        let holder = await hold(mutex, until: gate)
        let ran = Signal()
        let cancelled = Task { try await mutex.withLock { ran.fire() } }
        #expect(await until { mutex.waiterCount == 1 })
        let later = Task { try await mutex.withLock { "later" } }
        #expect(await until { mutex.waiterCount == 2 })

        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(mutex.waiterCount == 1)

        gate.fire()
        try await holder.value
        #expect(try await later.value == "later")
        #expect(ran.value == 0)
        #expect(mutex.isIdle)
    }

    @Test func aCancelledTaskTakesAFreeMutexButDoesNotWaitForAHeldOne() async throws {
        let mutex = AsyncMutex()
        let free = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await mutex.withLock { "ran" }
        }
        #expect(try await free.value == "ran")

        let gate = Signal()
        let holder = await hold(mutex, until: gate)
        let waiting = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await mutex.withLock { "ran" }
        }
        await #expect(throws: CancellationError.self) { try await waiting.value }
        gate.fire()
        try await holder.value
        #expect(mutex.isIdle)
    }

    /// Cancellation racing the owner's unlock, and racing the waiter's own suspension: each
    /// waiter either runs or throws `CancellationError`, never both, and the mutex always ends
    /// free.
    @Test func cancellationRacingHandoverNeverLeaksTheMutex() async throws {
        let mutex = AsyncMutex()
        var ran = 0
        var cancelled = 0
        for round in 0 ..< 500 {
            let gate = Signal()
            let holder = await hold(mutex, until: gate)
            let entered = Locked(false)
            let waiter = Task { try await mutex.withLock { entered.withLock { $0 = true } } }
            // Every other round, cancel before the waiter necessarily suspended.
            if round.isMultiple(of: 2) { #expect(await until { mutex.waiterCount == 1 }) }
            async let release: Void = gate.fire()
            async let cancel: Void = waiter.cancel()
            _ = await (release, cancel)
            do {
                try await waiter.value
                ran += 1
                #expect(entered.withLock { $0 })
            } catch is CancellationError {
                cancelled += 1
                #expect(!entered.withLock { $0 })
            }
            try await holder.value
            #expect(mutex.isIdle)
        }
        #expect(ran + cancelled == 500)
        // The mutex still works after all of it.
        #expect(try await mutex.withLock { "free" } == "free")
    }
}
