import Testing
import Waku

@Suite("Locked")
struct LockedTests {
    @Test func copiesShareOneValueAndOneMutex() async {
        let original = Locked(0)
        let copy = original
        await withTaskGroup(of: Void.self) { group in
            for box in [original, copy] {
                for _ in 0 ..< 4 {
                    group.addTask {
                        for _ in 0 ..< 2_500 { box.withLock { $0 += 1 } }
                    }
                }
            }
        }
        #expect(original.withLock { $0 } == 20_000)
        #expect(copy.withLock { $0 } == 20_000)
    }

    @Test func theValueIsReleasedWithTheLock() {
        final class Tracked: Sendable {}
        weak var tracked: Tracked?
        do {
            let value = Tracked()
            tracked = value
            let lock = Locked<Tracked?>(value)
            #expect(lock.withLock { $0 } === value)
        }
        #expect(tracked == nil)
    }

    @Test func anErrorThrownInsideLeavesTheLockFree() {
        struct Failure: Error {}
        let lock = Locked(1)
        #expect(throws: Failure.self) { try lock.withLock { _ in throw Failure() } }
        #expect(lock.withLock { $0 } == 1)
    }
}
