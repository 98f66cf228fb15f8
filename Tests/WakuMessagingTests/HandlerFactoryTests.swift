import Testing
import Waku
import WakuMessaging
import WakuTesting

// Handler factories passed to `bindRequest` / `bindEvent`: synchronous initializers (fixed-arity
// and parameter-pack forms) and async factories all build a fresh handler per dispatch scope
// with its dependencies in parameter order.

enum HandlerFactoryFixtures {
    final class Dep1: Sendable { let v = "a" }
    final class Dep2: Sendable { let v = "b" }
    final class Dep3: Sendable { let v = "c" }
    final class Dep4: Sendable { let v = "d" }
    final class Dep5: Sendable { let v = "e" }

    struct Spell: IRequest {
        typealias Response = String
        let arity: Int
    }
    struct Spell2: IRequest { typealias Response = String }
    struct Spell5: IRequest { typealias Response = String }
    struct SpellAsync: IRequest { typealias Response = String }
    struct Spelled: IEvent { let sink: Probe }

    final class OneDep: RequestHandler {
        let d1: Dep1
        init(d1: Dep1) { self.d1 = d1 }
        func handle(_ request: Spell) async throws -> String { d1.v + "\(request.arity)" }
    }
    final class TwoDeps: RequestHandler {
        let text: String
        init(d1: Dep1, d2: Dep2) { text = d1.v + d2.v }
        func handle(_ request: Spell2) async throws -> String { text }
    }
    final class FiveDeps: RequestHandler {
        let text: String
        init(d1: Dep1, d2: Dep2, d3: Dep3, d4: Dep4, d5: Dep5) { text = d1.v + d2.v + d3.v + d4.v + d5.v }
        func handle(_ request: Spell5) async throws -> String { text }
    }
    final class AsyncMade: RequestHandler {
        let text: String
        init(text: String) { self.text = text }
        func handle(_ request: SpellAsync) async throws -> String { text }
    }
    final class ThreeDepListener: EventHandler {
        let text: String
        init(d3: Dep3, d2: Dep2, d1: Dep1) { text = d3.v + d2.v + d1.v }
        func handle(_ event: Spelled) async throws { event.sink.record(text) }
    }

    struct FactoryModule: Module {
        var providers: [Provider] {
            [singleton(Dep1.init), scoped(Dep2.init), transient(Dep3.init), scoped(Dep4.init), singleton(Dep5.init)]
        }
        var exports: [Export] { [] }
        var extensions: [any ModuleExtension] {
            [
                MessagingExtension()
                    .bindRequest(Spell.self, OneDep.init)
                    .bindRequest(Spell2.self, TwoDeps.init)
                    .bindRequest(Spell5.self, FiveDeps.init)
                    .bindRequest(SpellAsync.self) { (d1: Dep1, d4: Dep4) async -> AsyncMade in
                        await Task.yield()
                        return AsyncMade(text: d1.v + d4.v)
                    }
                    .bindEvent(Spelled.self, ThreeDepListener.init),
            ]
        }
    }

    struct App: Module {
        var imports: [any Module] { [MessagingModule(), FactoryModule()] }
    }
}

@Suite("Handler factories")
struct HandlerFactoryTests {
    typealias F = HandlerFactoryFixtures

    @Test func everyFactoryFormBuildsItsHandlerWithDependenciesInOrder() async throws {
        let app = try await WakuFactory(F.App()).create()
        try await app.withContainer { (scope: Container) async throws in
            let bus = try await scope.get((any IMessageBus).self)
            #expect(try await bus.invoke(F.Spell(arity: 1)) == "a1")
            #expect(try await bus.invoke(F.Spell2()) == "ab")
            #expect(try await bus.invoke(F.Spell5()) == "abcde")
            #expect(try await bus.invoke(F.SpellAsync()) == "ad")
            let probe = Probe()
            try await bus.publish(F.Spelled(sink: probe))
            #expect(probe.log == ["cba"])
        }
    }

    @Test func handlersFromSynchronousFactoriesAreFreshPerDispatchScope() async throws {
        let app = try await WakuFactory(F.App()).create()
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<200 {
                group.addTask {
                    try await app.withContainer { scope in
                        try await scope.get((any ISender).self).invoke(F.Spell(arity: i))
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(results) == Set((0..<200).map { "a\($0)" }))
    }
}
