import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Pipeline behaviors: order and unwinding, transforming and short-circuiting, per event handler
// execution, merging across modules, DI in the request scope and access to the message context.

/// Logs `name>` before and `name<` after the rest of the pipeline (`name!` when it throws).
func traced<R>(_ probe: Probe, _ name: String, _ next: () async throws -> R) async throws -> R {
    probe.record("\(name)>")
    do {
        let result = try await next()
        probe.record("\(name)<")
        return result
    } catch {
        probe.record("\(name)!")
        throw error
    }
}

struct GlobalOuter: IPipelineBehavior, Injectable {
    let probe: Probe
    static var factory: Factory<GlobalOuter> { Factory(GlobalOuter.init) }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        try await traced(probe, "G1", next)
    }
}

struct GlobalInner: IPipelineBehavior, Injectable {
    let probe: Probe
    static var factory: Factory<GlobalInner> { Factory(GlobalInner.init) }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        try await traced(probe, "G2", next)
    }
}

struct FirstBehavior: IPipelineBehavior, Injectable {
    let probe: Probe
    static var factory: Factory<FirstBehavior> { Factory(FirstBehavior.init) }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        try await traced(probe, "P1", next)
    }
}

/// Provided by the module rather than Injectable.
struct SecondBehavior: IPipelineBehavior {
    let probe: Probe
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        try await traced(probe, "P2", next)
    }
}

/// Doubles Int responses; leaves every other response alone.
struct DoublingBehavior: IPipelineBehavior, Injectable {
    static var factory: Factory<DoublingBehavior> { Factory { DoublingBehavior() } }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        let result = try await next()
        if let number = result as? Int, let doubled = (number * 2) as? R { return doubled }
        return result
    }
}

/// Answers `Lookup` from its cache without calling the handler; passes anything else through.
struct CacheBehavior: IPipelineBehavior, Injectable {
    let probe: Probe
    static var factory: Factory<CacheBehavior> { Factory(CacheBehavior.init) }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        if let lookup = message as? Lookup, lookup.key.hasPrefix("cached-"), let hit = "from cache: \(lookup.key)" as? R {
            probe.record("cache hit \(lookup.key)")
            return hit
        }
        probe.record("cache miss")
        return try await next()
    }
}

/// Records the scope token and contexts it sees, for comparison with the handler's.
struct ScopeAwareBehavior: IPipelineBehavior {
    let probe: Probe
    let token: ScopeToken
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        probe.record("behavior token#\(token.serial)")
        probe.capture("behavior.parameter", context)
        probe.capture("behavior.current", MessageContext.current)
        return try await next()
    }
}

struct NotifyBehavior: IPipelineBehavior, Injectable {
    let probe: Probe
    static var factory: Factory<NotifyBehavior> { Factory(NotifyBehavior.init) }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        try await traced(probe, "N", next)
    }
}

struct StatsBehavior: IPipelineBehavior, Injectable {
    let probe: Probe
    static var factory: Factory<StatsBehavior> { Factory(StatsBehavior.init) }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        try await traced(probe, "S", next)
    }
}

struct Compute: IRequest {
    typealias Response = Int
    let value: Int
}

struct ComputeHandler: RequestHandler {
    let probe: Probe
    func handle(_ request: Compute) async throws -> Int {
        probe.record("handler \(request.value)")
        if request.value < 0 { throw Boom(code: request.value) }
        return request.value
    }
}

struct Lookup: IRequest {
    typealias Response = String
    let key: String
}

struct LookupHandler: RequestHandler {
    let probe: Probe
    func handle(_ request: Lookup) async throws -> String {
        probe.record("lookup \(request.key)")
        return "from handler: \(request.key)"
    }
}

struct Tick: IEvent {}

struct TickFirst: EventHandler {
    let probe: Probe
    func handle(_ event: Tick) async throws { probe.record("tick-1") }
}

struct TickSecond: EventHandler {
    let probe: Probe
    func handle(_ event: Tick) async throws { probe.record("tick-2") }
}

struct Inspect: IRequest {}

struct InspectHandler: RequestHandler {
    let probe: Probe
    let token: ScopeToken
    func handle(_ request: Inspect) async throws {
        probe.record("handler token#\(token.serial)")
        probe.capture("handler.current", MessageContext.current)
    }
}

/// A behavior whose factory suspends: the pipeline cannot resolve it without an async call.
struct SuspendingBehavior: IPipelineBehavior, Injectable {
    let probe: Probe
    static var factory: Factory<SuspendingBehavior> {
        Factory { (probe: Probe) async -> SuspendingBehavior in
            await Task.yield()
            probe.record("S+")
            return SuspendingBehavior(probe: probe)
        }
    }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        try await traced(probe, "S", next)
    }
}

@Suite("Pipeline behaviors")
struct PipelineTests {
    @Test("a behavior whose factory suspends runs in its place, between behaviors resolved at once, and once per scope")
    func suspendingFactory() async throws {
        let probe = Probe()
        let orders = OrdersModule(extensions: [
            MessagingExtension().bindRequest(Compute.self, ComputeHandler.init, behaviors: [SuspendingBehavior.self, FirstBehavior.self])
        ])
        let results = try await withApp([orders], probe: probe, config: MessagingConfig(pipelineBehaviors: [GlobalOuter.self])) { app in
            try await inScope(app) { bus in
                [try await bus.invoke(Compute(value: 3)), try await bus.invoke(Compute(value: 4))]
            }
        }
        #expect(results == [3, 4])
        // Created once, by its async factory, when the first dispatch reaches it.
        let once = ["G1>", "S+", "S>", "P1>", "handler 3", "P1<", "S<", "G1<"]
        let twice = ["G1>", "S>", "P1>", "handler 4", "P1<", "S<", "G1<"]
        #expect(probe.log == once + twice)
    }

    @Test("global behaviors in config order, then the message's behaviors in bind order, then the handler; unwinding in reverse")
    func orderForRequests() async throws {
        let probe = Probe()
        let orders = OrdersModule(
            providers: [scoped(SecondBehavior.init)],
            extensions: [MessagingExtension().bindRequest(Compute.self, ComputeHandler.init, behaviors: [FirstBehavior.self, SecondBehavior.self])])
        let result = try await withApp([orders], probe: probe, config: MessagingConfig(pipelineBehaviors: [GlobalOuter.self, GlobalInner.self])) { app in
            try await inScope(app) { bus in try await bus.invoke(Compute(value: 5)) }
        }
        #expect(result == 5)
        #expect(probe.log == ["G1>", "G2>", "P1>", "P2>", "handler 5", "P2<", "P1<", "G2<", "G1<"])
    }

    @Test("bind order, not type, decides the per-message order")
    func bindOrderDecides() async throws {
        let probe = Probe()
        let orders = OrdersModule(
            providers: [scoped(SecondBehavior.init)],
            extensions: [MessagingExtension().bindRequest(Compute.self, ComputeHandler.init, behaviors: [SecondBehavior.self, FirstBehavior.self])])
        _ = try await withApp([orders], probe: probe, config: MessagingConfig(pipelineBehaviors: [GlobalInner.self, GlobalOuter.self])) { app in
            try await inScope(app) { bus in try await bus.invoke(Compute(value: 1)) }
        }
        #expect(probe.log == ["G2>", "G1>", "P2>", "P1>", "handler 1", "P1<", "P2<", "G1<", "G2<"])
    }

    @Test("a handler's error unwinds through every behavior and reaches the caller unchanged")
    func errorUnwinds() async throws {
        let probe = Probe()
        let orders = OrdersModule(extensions: [MessagingExtension().bindRequest(Compute.self, ComputeHandler.init, behaviors: [FirstBehavior.self])])
        try await withApp([orders], probe: probe, config: MessagingConfig(pipelineBehaviors: [GlobalOuter.self])) { app in
            try await inScope(app) { bus in
                await #expect(throws: Boom(code: -2)) { _ = try await bus.invoke(Compute(value: -2)) }
            }
        }
        #expect(probe.log == ["G1>", "P1>", "handler -2", "P1!", "G1!"])
    }

    @Test("a behavior can transform the response")
    func transformResponse() async throws {
        let probe = Probe()
        let orders = OrdersModule(extensions: [
            MessagingExtension()
                .bindRequest(Compute.self, ComputeHandler.init, behaviors: [DoublingBehavior.self])
                .bindRequest(Lookup.self, LookupHandler.init, behaviors: [DoublingBehavior.self]),
        ])
        let (number, text) = try await withApp([orders], probe: probe) { app in
            try await inScope(app) { bus in
                (try await bus.invoke(Compute(value: 21)), try await bus.invoke(Lookup(key: "k")))
            }
        }
        #expect(number == 42)
        #expect(text == "from handler: k")
        // Applied twice (global and per-request), it doubles twice.
        let twice = try await withApp(
            [OrdersModule(extensions: [MessagingExtension().bindRequest(Compute.self, ComputeHandler.init, behaviors: [DoublingBehavior.self])])],
            probe: Probe(), config: MessagingConfig(pipelineBehaviors: [DoublingBehavior.self])
        ) { app in
            try await inScope(app) { bus in try await bus.invoke(Compute(value: 3)) }
        }
        #expect(twice == 12)
    }

    @Test("a behavior can short-circuit: it returns without calling next and the handler never runs")
    func shortCircuit() async throws {
        let probe = Probe()
        let orders = OrdersModule(extensions: [
            MessagingExtension().bindRequest(Lookup.self, LookupHandler.init, behaviors: [CacheBehavior.self, FirstBehavior.self]),
        ])
        let (hit, miss) = try await withApp([orders], probe: probe, config: MessagingConfig(pipelineBehaviors: [GlobalOuter.self])) { app in
            try await inScope(app) { bus in
                (try await bus.invoke(Lookup(key: "cached-1")), try await bus.invoke(Lookup(key: "fresh")))
            }
        }
        #expect(hit == "from cache: cached-1")
        #expect(miss == "from handler: fresh")
        #expect(probe.log == ["G1>", "cache hit cached-1", "G1<", "G1>", "cache miss", "P1>", "lookup fresh", "P1<", "G1<"])
    }

    @Test("behaviors wrap each event handler execution")
    func eachEventHandler() async throws {
        let probe = Probe()
        let module = OrdersModule(extensions: [
            MessagingExtension()
                .bindEvent(Tick.self, TickFirst.init)
                .bindEvent(Tick.self, TickSecond.init, behaviors: [FirstBehavior.self]),
        ])
        try await withApp([module], probe: probe, config: MessagingConfig(pipelineBehaviors: [GlobalOuter.self])) { app in
            try await inScope(app) { bus in try await bus.publish(Tick()) }
        }
        #expect(probe.log == ["G1>", "P1>", "tick-1", "P1<", "G1<", "G1>", "P1>", "tick-2", "P1<", "G1<"])
    }

    @Test("per-event behaviors bound in two modules merge and wrap every handler of the event")
    func eventBehaviorsMergeAcrossModules() async throws {
        let probe = Probe()
        let notification = NotificationModule(extensions: [
            MessagingExtension().bindEvent(Tick.self, TickFirst.init, behaviors: [NotifyBehavior.self]),
        ])
        let analytics = AnalyticsModule(extensions: [
            MessagingExtension().bindEvent(Tick.self, TickSecond.init, behaviors: [StatsBehavior.self]),
        ])
        try await withApp([notification, analytics], probe: probe, config: MessagingConfig(pipelineBehaviors: [GlobalOuter.self])) { app in
            try await inScope(app) { bus in try await bus.publish(Tick()) }
        }
        #expect(probe.log == [
            "G1>", "N>", "S>", "tick-1", "S<", "N<", "G1<",
            "G1>", "N>", "S>", "tick-2", "S<", "N<", "G1<",
        ])
    }

    @Test("an Injectable behavior can be bound by several modules to different messages")
    func injectableBehaviorInSeveralModules() async throws {
        let probe = Probe()
        let orders = OrdersModule(extensions: [
            MessagingExtension().bindRequest(Compute.self, ComputeHandler.init, behaviors: [FirstBehavior.self]),
        ])
        let billing = BillingModule(extensions: [
            MessagingExtension().bindRequest(Lookup.self, LookupHandler.init, behaviors: [FirstBehavior.self]),
        ])
        let analytics = AnalyticsModule(extensions: [
            MessagingExtension().bindEvent(Tick.self, TickFirst.init, behaviors: [FirstBehavior.self]),
        ])
        try await withApp([orders, billing, analytics], probe: probe) { app in
            try await inScope(app) { bus in
                _ = try await bus.invoke(Compute(value: 1))
                _ = try await bus.invoke(Lookup(key: "k"))
                try await bus.publish(Tick())
            }
        }
        #expect(probe.log == ["P1>", "handler 1", "P1<", "P1>", "lookup k", "P1<", "P1>", "tick-1", "P1<"])
    }

    @Test("behaviors are resolved in the request scope, sharing scoped dependencies with the handler, and see the dispatch's context")
    func behaviorsResolvedInScope() async throws {
        let probe = Probe()
        let orders = OrdersModule(
            providers: [scoped(ScopeToken.init), scoped(ScopeAwareBehavior.init)],
            extensions: [MessagingExtension().bindRequest(Inspect.self, InspectHandler.init, behaviors: [ScopeAwareBehavior.self])])
        try await withApp([orders], probe: probe) { app in
            try await inScope(app) { bus in
                try await bus.invoke(Inspect())
                try await bus.invoke(Inspect())
            }
            try await inScope(app) { bus in try await bus.invoke(Inspect()) }
        }
        #expect(probe.log == [
            "behavior token#1", "handler token#1",
            "behavior token#1", "handler token#1",
            "behavior token#2", "handler token#2",
        ])
        let parameters = probe.contexts("behavior.parameter").map { $0?.messageId }
        let currents = probe.contexts("behavior.current").map { $0?.messageId }
        let handlers = probe.contexts("handler.current").map { $0?.messageId }
        #expect(parameters.count == 3)
        #expect(!parameters.contains(nil))
        #expect(parameters == currents)
        #expect(parameters == handlers)
        #expect(Set(parameters).count == 3)
    }
}
