import Testing
import Waku
import WakuTesting

// The waiting primitives WakuTesting ships: a Signal (gate, latch, counter, barrier) and a Probe
// (log, counters, captures). Both wake their waiters on change; none of these tests sleeps.

@Suite("WakuTesting: Signal and Probe", .timeLimit(.minutes(1)))
struct SignalAndProbeTests {
    @Test("a signal fired before or after the wait lets the waiter through")
    func fireBeforeOrAfter() async {
        let early = Signal()
        early.fire()
        #expect(await early.wait())

        let late = Signal()
        let waiter = Task { await late.wait() }
        late.fire()
        #expect(await waiter.value)
        #expect(late.value == 1)
    }

    @Test("reach waits for a total, and several waiters with different targets each wake when theirs is reached")
    func reachTargets() async {
        let signal = Signal()
        let two = Task { await signal.reach(2) }
        let five = Task { await signal.reach(5) }
        #expect(signal.increment() == 1)
        #expect(signal.increment() == 2)
        #expect(await two.value)
        #expect(signal.increment(by: 3) == 5)
        #expect(await five.value)
    }

    @Test("as a barrier: every party gets through only once all have arrived")
    func barrier() async {
        let barrier = Signal()
        let arrived = await withTaskGroup(of: Bool.self) { group in
            for _ in 0 ..< 4 {
                group.addTask {
                    barrier.increment()
                    return await barrier.reach(4)
                }
            }
            var results: [Bool] = []
            for await result in group { results.append(result) }
            return results
        }
        #expect(arrived == [true, true, true, true])
    }

    @Test("a cancelled waiter returns false at once; other waiters keep waiting")
    func cancellation() async {
        let signal = Signal()
        let cancelled = Task { await signal.wait() }
        let patient = Task { await signal.wait() }
        cancelled.cancel()
        #expect(await cancelled.value == false)
        signal.fire()
        #expect(await patient.value)
    }

    @Test("a wait already cancelled before it starts returns false")
    func cancelledBeforeWaiting() async {
        let signal = Signal()
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await signal.wait()
        }
        #expect(await waiter.value == false)
    }

    @Test("the timeout turns a hang into false")
    func timeout() async {
        let signal = Signal()
        #expect(await signal.reach(1, timeout: .milliseconds(20)) == false)
    }

    @Test("waitIgnoringCancellation holds a cancelled task until the signal fires")
    func ignoringCancellation() async {
        let signal = Signal()
        let entered = Signal()
        let finished = Signal()
        let deaf = Task {
            entered.fire()
            await signal.waitIgnoringCancellation()
            finished.fire()
            return Task.isCancelled
        }
        #expect(await entered.wait())
        deaf.cancel()
        #expect(await finished.reach(1, timeout: .milliseconds(50)) == false, "still held after cancellation")
        signal.fire()
        #expect(await deaf.value, "it was cancelled, and returned only once the signal fired")
    }

    @Test("a probe keeps an ordered log, counters that are signals, and typed captures")
    func probeRecords() async {
        let probe = Probe()
        probe.record("first")
        probe.record("second")
        #expect(probe.log == ["first", "second"])

        #expect(probe.count("hits") == 0)
        #expect(probe.bump("hits") == 1)
        #expect(probe.bump("hits", by: 2) == 3)
        #expect(probe.count("hits") == 3)
        #expect(await probe.signal("hits").reach(3))
        probe.signal("hits").increment()
        #expect(probe.count("hits") == 4)

        probe.capture("values", 1)
        probe.capture("values", "two")
        probe.capture("values", 3)
        let optional: Int? = nil
        probe.capture("optionals", optional)
        #expect(probe.captured("values", as: Int.self) == [1, 3])
        #expect(probe.captured("values", as: String.self) == ["two"])
        #expect(probe.captured("optionals", as: Int?.self) == [nil])
        #expect(probe.captured("nothing", as: Int.self).isEmpty)
    }

    @Test("probe.wait re-checks its condition after every change, whichever kind")
    func probeWait() async {
        let probe = Probe()
        let waiter = Task { await probe.wait { $0.log.count == 1 && $0.count("n") == 2 && $0.captured("c", as: Int.self) == [7] } }
        probe.record("line")
        probe.bump("n")
        probe.signal("n").increment()  // through the signal: the probe still notices
        probe.capture("c", 7)
        #expect(await waiter.value)
        #expect(await probe.wait(timeout: .milliseconds(20)) { $0.count("never") > 0 } == false)
    }
}
