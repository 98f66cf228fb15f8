import Testing
import Waku

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
        let scopes = 200
        let results = try await withThrowingTaskGroup(of: (request: Int, shared: Int, again: Int).self) { group in
            for _ in 0..<scopes {
                group.addTask {
                    try await app.withContainer { container in
                        async let first = container.get(PerRequest.self)
                        async let second = container.get(PerRequest.self)
                        let (a, b) = try await (first, second)
                        let shared = try await container.get(Shared.self)
                        #expect(a === b)
                        #expect(a.shared === shared)
                        return (a.serial, shared.serial, b.serial)
                    }
                }
            }
            return try await group.reduce(into: [(request: Int, shared: Int, again: Int)]()) { $0.append($1) }
        }
        #expect(results.count == scopes)
        #expect(Set(results.map(\.request)).count == scopes)  // each scope had its own instance
        #expect(results.allSatisfy { $0.request == $0.again })
        #expect(Set(results.map(\.shared)) == [1])  // one singleton overall
        #expect(sharedCount.value == 1)
        #expect(perRequestCount.value == scopes)
        #expect(cleanups.value == scopes)
    }

    // MARK: No global lock while factories run

    struct SlowA: Sendable { let sawB: Bool }
    struct FastB: Sendable {}
    struct GateModule: Module {
        let aStarted: Signal
        let bResolved: Signal
        var providers: [Provider] {
            let (aStarted, bResolved) = (aStarted, bResolved)
            return [
                singleton { () async -> SlowA in
                    aStarted.fire()
                    // Blocks until another task has resolved B. If the container held a lock (or
                    // serialized creation) while this factory runs, that never happens.
                    await bResolved.wait()
                    return SlowA(sawB: true)
                },
                singleton { FastB() },
                scoped { () async -> PerRequestGate in
                    aStarted.fire()
                    await bResolved.wait()
                    return PerRequestGate()
                },
                scoped { OtherScoped() },
            ]
        }
    }
    struct PerRequestGate: Sendable {}
    struct OtherScoped: Sendable {}

    @Test(.timeLimit(.minutes(1)))
    func slowSingletonFactoryDoesNotBlockOtherResolutions() async throws {
        let aStarted = Signal()
        let bResolved = Signal()
        let app = try await WakuFactory(GateModule(aStarted: aStarted, bResolved: bResolved)).create()
        async let a = app.container.get(SlowA.self)
        await aStarted.wait()
        _ = try await app.container.get(FastB.self)
        bResolved.fire()
        #expect(try await a.sawB)
    }

    @Test(.timeLimit(.minutes(1)))
    func slowScopedFactoryDoesNotBlockTheScope() async throws {
        let aStarted = Signal()
        let bResolved = Signal()
        let app = try await WakuFactory(GateModule(aStarted: aStarted, bResolved: bResolved)).create()
        try await app.withContainer { container in
            async let slow = container.get(PerRequestGate.self)
            await aStarted.wait()
            _ = try await container.get(OtherScoped.self)
            _ = try await container.get(FastB.self)
            bResolved.fire()
            _ = try await slow
        }
    }
}
