import Testing
import Waku

/// Synchronous factories (most initializers) are resolved on a path without async calls once the
/// cached values they read exist; these tests pin down that this path behaves exactly like the
/// general one.
@Suite("Synchronous resolution")
struct SynchronousResolutionTests {
    final class Config: Sendable {
        let serial: Int
        init(serial: Int) { self.serial = serial }
    }
    final class Leaf: Sendable {
        let serial: Int
        init(serial: Int) { self.serial = serial }
    }
    final class Middle: Sendable {
        let leaf: Leaf
        let config: Config
        init(leaf: Leaf, config: Config) {
            self.leaf = leaf
            self.config = config
        }
    }
    final class Top: Sendable {
        let middle: Middle
        let session: Session
        init(middle: Middle, session: Session) {
            self.middle = middle
            self.session = session
        }
    }
    final class Session: Sendable {
        let serial: Int
        init(serial: Int) { self.serial = serial }
    }
    struct RequestID: Sendable, Equatable { let value: String }
    final class UsesContext: Sendable {
        let id: RequestID
        let container: Container
        init(id: RequestID, container: Container) {
            self.id = id
            self.container = container
        }
    }

    struct GraphModule: Module {
        let configs: Counter
        let leaves: Counter
        let leafCleanups: Counter
        let sessions: Counter
        var providers: [Provider] {
            let (configs, leaves, leafCleanups, sessions) = (configs, leaves, leafCleanups, sessions)
            return [
                // An async singleton: the first transient build that needs it must suspend.
                singleton { () async -> Config in
                    await Task.yield()
                    return Config(serial: configs.next())
                },
                transient { () -> Finalized<Leaf> in
                    Finalized(Leaf(serial: leaves.next())) { leafCleanups.next() }
                },
                transient(Middle.init),
                transient(Top.init),
                scoped { () -> Session in Session(serial: sessions.next()) },
                contextual(RequestID.self),
                transient(UsesContext.init),
            ]
        }
    }

    private func makeApp(
        configs: Counter = Counter(), leaves: Counter = Counter(), leafCleanups: Counter = Counter(),
        sessions: Counter = Counter()
    ) async throws -> WakuApplication {
        try await WakuFactory(
            GraphModule(configs: configs, leaves: leaves, leafCleanups: leafCleanups, sessions: sessions)
        ).create()
    }

    @Test func initializersAndNonSuspendingClosuresGetSynchronousFactories() {
        #expect(transient(Middle.init).isSynchronous)
        #expect(singleton { () -> Config in Config(serial: 0) }.isSynchronous)
        #expect(scoped((any Sendable).self) { () throws -> any Sendable in 1 }.isSynchronous)
        #expect(transient { () -> Finalized<Leaf> in Finalized(Leaf(serial: 0)) {} }.isSynchronous)
        #expect(!singleton { () async -> Config in Config(serial: 0) }.isSynchronous)
        #expect(!object(Config(serial: 0)).isSynchronous)
    }

    @Test func firstBuildSuspendsForAMissingSingletonThenLaterBuildsReuseIt() async throws {
        let configs = Counter()
        let leaves = Counter()
        let app = try await makeApp(configs: configs, leaves: leaves)
        try await app.withContainer { scope in
            let first = try await scope.get(Top.self)
            let second = try await scope.get(Top.self)
            #expect(first !== second)
            #expect(first.middle !== second.middle)
            #expect(first.middle.leaf !== second.middle.leaf)
            #expect(first.middle.config === second.middle.config)
            #expect(first.session === second.session)
        }
        #expect(configs.value == 1)
        #expect(leaves.value == 2)
    }

    @Test func nestedSynchronousTransientsRegisterTheirCleanups() async throws {
        let leafCleanups = Counter()
        let app = try await makeApp(leafCleanups: leafCleanups)
        _ = try await app.container.get(Config.self)
        try await app.withContainer { scope in
            _ = try await scope.get(Session.self)
            // Everything Top reads is cached now, so these builds take the synchronous path.
            for _ in 0..<5 { _ = try await scope.get(Top.self) }
            _ = try await scope.get(Middle.self)
            #expect(leafCleanups.value == 0)
        }
        #expect(leafCleanups.value == 6)
    }

    @Test func contextValuesAndTheContainerReachSynchronousFactories() async throws {
        let app = try await makeApp()
        try await app.withContainer(context: ContextValues(RequestID(value: "r-1"))) { scope in
            let value = try await scope.get(UsesContext.self)
            #expect(value.id == RequestID(value: "r-1"))
            #expect(value.container === scope)
        }
        await #expect(throws: ResolutionError(type: "RequestID", reason: .contextNotSupplied(.request))) {
            try await app.withContainer { scope in _ = try await scope.get(UsesContext.self) }
        }
    }

    @Test("getWithoutSuspending answers what the scope can give at once, and leaves the rest to get")
    func getWithoutSuspending() async throws {
        let configs = Counter()
        let sessions = Counter()
        let app = try await makeApp(configs: configs, sessions: sessions)
        var escaped: Container?
        try await app.withContainer { scope in
            // A scoped value with a synchronous factory: built now, then cached for `get`.
            let session = try #require(try scope.getWithoutSuspending(Session.self))
            #expect(try await scope.get(Session.self) === session)
            #expect(sessions.value == 1)
            // Top reads the async singleton Config, not created yet: only `get` can build it.
            #expect(try scope.getWithoutSuspending(Top.self) == nil)
            #expect(try scope.getWithoutSuspending(Config.self) == nil)
            #expect(configs.value == 0)
            let config = try await scope.get(Config.self)
            // Now every input exists: a transient comes back built, the singleton cached.
            #expect(try scope.getWithoutSuspending(Config.self) === config)
            let top = try #require(try scope.getWithoutSuspending(Top.self))
            #expect(top.session === session)
            #expect(top.middle.config === config)
            // A type nobody provides: `get` reports it.
            #expect(try scope.getWithoutSuspending(Int.self) == nil)
            escaped = scope
        }
        let closed = try #require(escaped)
        #expect(try closed.getWithoutSuspending(Session.self) == nil)
        await #expect(throws: ResolutionError(type: "Session", reason: .scopeClosed)) { _ = try await closed.get(Session.self) }
        #expect(configs.value == 1)
    }

    @Test func cachedValuesAreNotHandedOutAfterTheScopeCloses() async throws {
        let app = try await makeApp()
        var escaped: Container?
        try await app.withContainer { scope in
            _ = try await scope.get(Session.self)
            _ = try await scope.get(Top.self)
            escaped = scope
        }
        let scope = try #require(escaped)
        await #expect(throws: ResolutionError(type: "Session", reason: .scopeClosed)) {
            _ = try await scope.get(Session.self)
        }
        await #expect(throws: ResolutionError(type: "Top", reason: .scopeClosed)) {
            _ = try await scope.get(Top.self)
        }
    }

    @Test func oneThousandConcurrentResolutionsShareCachedValuesAndBuildDistinctTransients() async throws {
        let configs = Counter()
        let sessions = Counter()
        let leaves = Counter()
        let leafCleanups = Counter()
        let app = try await makeApp(configs: configs, leaves: leaves, leafCleanups: leafCleanups, sessions: sessions)
        let tasks = 1_000
        let result = try await app.withContainer { scope in
            try await withThrowingTaskGroup(of: (Int, Int, Int).self) { group in
                for _ in 0..<tasks {
                    group.addTask {
                        let top = try await scope.get(Top.self)
                        return (top.middle.config.serial, top.session.serial, top.middle.leaf.serial)
                    }
                }
                return try await group.reduce(into: [(Int, Int, Int)]()) { $0.append($1) }
            }
        }
        #expect(result.count == tasks)
        #expect(Set(result.map(\.0)) == [1])
        #expect(Set(result.map(\.1)) == [1])
        #expect(Set(result.map(\.2)).count == tasks)
        #expect(configs.value == 1)
        #expect(sessions.value == 1)
        #expect(leafCleanups.value == tasks)
    }

    @Test func manyScopesResolvingConcurrentlyEachGetTheirOwnScopedValue() async throws {
        let sessions = Counter()
        let app = try await makeApp(sessions: sessions)
        let scopes = 500
        let sessionSerials = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<scopes {
                group.addTask {
                    try await app.withContainer { scope in
                        async let first = scope.get(Top.self)
                        async let second = scope.get(Top.self)
                        let (a, b) = try await (first, second)
                        #expect(a.session === b.session)
                        return a.session.serial
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(Set(sessionSerials).count == scopes)
        #expect(sessions.value == scopes)
    }

    // One type per parameter position, so a swapped or skipped dependency shows in the result.
    struct P1: Sendable { let v = 1 }
    struct P2: Sendable { let v = 2 }
    struct P3: Sendable { let v = 3 }
    struct P4: Sendable { let v = 4 }
    struct P5: Sendable { let v = 5 }
    struct Arity: Sendable { let digits: [Int] }
    protocol Labeled: Sendable { var label: String { get } }
    struct Plugin: Labeled { let label: String }

    struct ArityModule: Module {
        let cleanups: Counter
        var providers: [Provider] {
            let cleanups = cleanups
            return [
                object(P1()), object(P2()), object(P3()), object(P4()), object(P5()),
                // One provider per arity; 1 to 4 use the fixed-arity overloads, 5 the pack form.
                transient { (a: P1) -> Arity in Arity(digits: [a.v]) },
                scoped((any Labeled).self) { (a: P1, b: P2) -> any Labeled in Plugin(label: "\(a.v)\(b.v)") },
                singleton { (a: P1, b: P2, c: P3) -> Finalized<String> in
                    Finalized("\(a.v)\(b.v)\(c.v)") { cleanups.next() }
                },
                transient { (a: P1, b: P2, c: P3, d: P4) -> [Int] in [a.v, b.v, c.v, d.v] },
                transient { (a: P1, b: P2, c: P3, d: P4, e: P5) -> Set<Int> in [a.v, b.v, c.v, d.v, e.v] },
                many((any Labeled).self) { (b: P2, a: P1) -> any Labeled in Plugin(label: "m\(b.v)\(a.v)") },
            ]
        }
    }

    @Test func everyArityResolvesItsParametersInOrder() async throws {
        #expect(transient { (_: P1) -> Int in 0 }.isSynchronous)
        #expect(transient { (_: P1, _: P2, _: P3, _: P4, _: P5) -> Int in 0 }.isSynchronous)
        #expect(!transient { (_: P1, _: P2) async -> Int in 0 }.isSynchronous)
        let cleanups = Counter()
        let app = try await WakuFactory(ArityModule(cleanups: cleanups)).create()
        try await app.withContainer { (scope: Container) async throws in
            #expect(try await scope.get(Arity.self).digits == [1])
            #expect(try await scope.get((any Labeled).self).label == "12")
            #expect(try await scope.get(String.self) == "123")
            #expect(try await scope.get([Int].self) == [1, 2, 3, 4])
            #expect(try await scope.get(Set<Int>.self) == [1, 2, 3, 4, 5])
            #expect(try await scope.get([any Labeled].self).map(\.label) == ["m21"])
        }
        #expect(cleanups.value == 0)
        try await app.close()
        #expect(cleanups.value == 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func cleanupsRegisteredWhileTheScopeClosesAreNeverLost() async throws {
        let leaves = Counter()
        let leafCleanups = Counter()
        let app = try await makeApp(leaves: leaves, leafCleanups: leafCleanups)
        for _ in 0..<200 {
            // A task that outlives its scope keeps resolving values with cleanups while the
            // scope closes: each cleanup runs either at close or right away when it is refused.
            let racer: Task<Void, Never> = try await app.withContainer { scope in
                let racer = Task {
                    for _ in 0..<20 { _ = try? await scope.get(Leaf.self) }
                }
                await Task.yield()
                return racer
            }
            await racer.value
        }
        // Refused values are cleaned up by a detached task: wait for them.
        while leafCleanups.value < leaves.value { try await Task.sleep(for: .milliseconds(1)) }
        #expect(leafCleanups.value == leaves.value)
        #expect(leaves.value > 0)
    }
}

