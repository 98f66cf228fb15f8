import Testing
import Waku
import WakuTesting

@Suite("Concurrency")
struct ConcurrencyTests {
    final class Shared: Sendable {
        let serial: Int
        init(serial: Int) { self.serial = serial }
    }
    final class PerRequest: Sendable {
        let serial: Int
        let shared: Shared
        init(serial: Int, shared: Shared) {
            self.serial = serial
            self.shared = shared
        }
    }

    struct RaceModule: Module {
        let sharedCount: Counter
        let perRequestCount: Counter
        let cleanups: Counter
        var providers: [Provider] {
            let (sharedCount, perRequestCount, cleanups) = (sharedCount, perRequestCount, cleanups)
            return [
                singleton { () async -> Shared in
                    // Yield to widen the window in which other tasks ask for the same value.
                    await Task.yield()
                    let serial = sharedCount.next()
                    await Task.yield()
                    return Shared(serial: serial)
                },
                scoped { (shared: Shared) async -> Finalized<PerRequest> in
                    await Task.yield()
                    let serial = perRequestCount.next()
                    await Task.yield()
                    return Finalized(PerRequest(serial: serial, shared: shared)) { cleanups.next() }
                },
            ]
        }
    }

    @Test("a spinning lock excludes like a plain one: no increment is lost under many tasks", arguments: [false, true])
    func lockExcludesUnderContention(spinning: Bool) async {
        let counter = Locked((value: 0, inside: 0, overlaps: 0), spinning: spinning)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0 ..< 16 {
                group.addTask {
                    for _ in 0 ..< 5_000 {
                        counter.withLock { state in
                            state.inside += 1
                            if state.inside > 1 { state.overlaps += 1 }
                            state.value += 1
                            state.inside -= 1
                        }
                    }
                }
            }
        }
        let final = counter.withLock { $0 }
        #expect(final.value == 80_000)
        #expect(final.overlaps == 0)
    }

    @Test func concurrentFirstResolutionOfASingletonRunsTheFactoryOnce() async throws {
        let sharedCount = Counter()
        let app = try await WakuFactory(
            RaceModule(sharedCount: sharedCount, perRequestCount: Counter(), cleanups: Counter())
        ).create()
        let serials = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<1_000 {
                group.addTask { try await app.container.get(Shared.self).serial }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(serials.count == 1_000)
        #expect(Set(serials) == [1])
        #expect(sharedCount.value == 1)
    }

    @Test func concurrentFirstResolutionOfAScopedValueRunsTheFactoryOncePerScope() async throws {
        let perRequestCount = Counter()
        let cleanups = Counter()
        let app = try await WakuFactory(
            RaceModule(sharedCount: Counter(), perRequestCount: perRequestCount, cleanups: cleanups)
        ).create()
        let serials = try await app.withContainer { container in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<1_000 {
                    group.addTask { try await container.get(PerRequest.self).serial }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
        }
        #expect(serials.count == 1_000)
        #expect(Set(serials) == [1])
        #expect(perRequestCount.value == 1)
        #expect(cleanups.value == 1)
    }

    @Test func manyScopesOpenedConcurrently() async throws {
        let sharedCount = Counter()
        let perRequestCount = Counter()
        let cleanups = Counter()
        let app = try await WakuFactory(
            RaceModule(sharedCount: sharedCount, perRequestCount: perRequestCount, cleanups: cleanups)
        ).create()
        struct ScopeResult: Sendable {
            let request: Int
            let shared: Int
            let sameWithinScope: Bool
            let injectedSingletonIsShared: Bool
        }
        let scopes = 200
        let results = try await withThrowingTaskGroup(of: ScopeResult.self) { group in
            for _ in 0..<scopes {
                group.addTask {
                    try await app.withContainer { container in
                        async let first = container.get(PerRequest.self)
                        async let second = container.get(PerRequest.self)
                        let (a, b) = try await (first, second)
                        let shared = try await container.get(Shared.self)
                        return ScopeResult(
                            request: a.serial, shared: shared.serial, sameWithinScope: a === b,
                            injectedSingletonIsShared: a.shared === shared)
                    }
                }
            }
            return try await group.reduce(into: [ScopeResult]()) { $0.append($1) }
        }
        #expect(results.count == scopes)
        #expect(results.filter { !$0.sameWithinScope }.isEmpty)
        #expect(results.filter { !$0.injectedSingletonIsShared }.isEmpty)
        #expect(Set(results.map(\.request)).count == scopes)  // each scope had its own instance
        #expect(Set(results.map(\.shared)) == [1])  // one singleton overall
        #expect(sharedCount.value == 1)
        #expect(perRequestCount.value == scopes)
        #expect(cleanups.value == scopes)
    }

    // MARK: No global lock while factories run

    struct SlowA: Sendable { let sawB: Bool }
    struct FastB: Sendable {}
    struct PerRequestGate: Sendable { let sawOthers: Bool }
    struct OtherScoped: Sendable {}
    struct GateModule: Module {
        let aStarted: Signal
        let bResolved: Signal
        var providers: [Provider] {
            let (aStarted, bResolved) = (aStarted, bResolved)
            return [
                singleton { () async -> SlowA in
                    aStarted.fire()
                    // Waits until another task has resolved B. If the container held a lock (or
                    // serialized creation) while this factory runs, that never happens.
                    return SlowA(sawB: await bResolved.wait())
                },
                singleton { FastB() },
                scoped { () async -> PerRequestGate in
                    aStarted.fire()
                    return PerRequestGate(sawOthers: await bResolved.wait())
                },
                scoped { OtherScoped() },
            ]
        }
    }

    // In both tests the resolution that a held lock would block runs in an unstructured task,
    // and every wait ends on cancellation: a deadlock fails at the time limit instead of hanging.

    @Test(.timeLimit(.minutes(1)))
    func slowSingletonFactoryDoesNotBlockOtherResolutions() async throws {
        let aStarted = Signal()
        let bResolved = Signal()
        let app = try await WakuFactory(GateModule(aStarted: aStarted, bResolved: bResolved)).create()
        async let a = app.container.get(SlowA.self)
        #expect(await aStarted.wait())
        Task {
            _ = try await app.container.get(FastB.self)
            bResolved.fire()
        }
        #expect(try await a.sawB)
    }

    @Test(.timeLimit(.minutes(1)))
    func slowScopedFactoryDoesNotBlockTheScope() async throws {
        let aStarted = Signal()
        let bResolved = Signal()
        let app = try await WakuFactory(GateModule(aStarted: aStarted, bResolved: bResolved)).create()
        let sawOthers = try await app.withContainer { container in
            async let slow = container.get(PerRequestGate.self)
            #expect(await aStarted.wait())
            Task {
                _ = try await container.get(OtherScoped.self)
                _ = try await container.get(FastB.self)
                bResolved.fire()
            }
            return try await slow.sawOthers
        }
        #expect(sawOthers)
    }
}
