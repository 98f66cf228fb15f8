import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Dispatch: missing handlers, send, no-op publish, sequential fan-out and error propagation,
// dispatch by exact runtime type, nested dispatch.

struct Unhandled: IRequest {
    typealias Response = Int
}

struct Unheard: IEvent {}

struct Step: IEvent {
    let n: Int
}

/// Three handlers that log entry and exit around a suspension point, so a concurrent or
/// reordered fan-out would show up as interleaving. The second throws on request.
struct StepOne: EventHandler {
    let probe: Probe
    func handle(_ event: Step) async throws {
        probe.record("one> \(event.n)")
        await Task.yield()
        probe.record("one< \(event.n)")
    }
}

struct StepTwo: EventHandler {
    let probe: Probe
    func handle(_ event: Step) async throws {
        probe.record("two> \(event.n)")
        await Task.yield()
        if event.n < 0 { throw Boom(code: event.n) }
        probe.record("two< \(event.n)")
    }
}

struct StepThree: EventHandler {
    let probe: Probe
    func handle(_ event: Step) async throws {
        probe.record("three> \(event.n)")
        await Task.yield()
        probe.record("three< \(event.n)")
    }
}

struct Chore: IRequest {
    typealias Response = String
    let name: String
}

struct ChoreHandler: RequestHandler {
    let probe: Probe
    func handle(_ request: Chore) async throws -> String {
        await Task.yield()
        if request.name == "fail" { throw Boom(code: 7) }
        probe.record("chore \(request.name)")
        return "done \(request.name)"
    }
}

/// Events sharing a base protocol; each has its own handler.
protocol Animal: IEvent {
    var name: String { get }
}

struct Dog: Animal {
    let name: String
}

struct Cat: Animal {
    let name: String
}

struct DogHandler: EventHandler {
    let probe: Probe
    func handle(_ event: Dog) async throws { probe.record("dog \(event.name)") }
}

struct CatHandler: EventHandler {
    let probe: Probe
    func handle(_ event: Cat) async throws { probe.record("cat \(event.name)") }
}

struct Twice: IRequest {
    typealias Response = Int
    let value: Int
}

struct TwiceHandler: RequestHandler {
    func handle(_ request: Twice) async throws -> Int { request.value * 2 }
}

/// A handler that dispatches: it invokes a request and publishes an event through the buses it
/// injected.
struct Checkout: IRequest {
    typealias Response = String
}

struct CheckoutHandler: RequestHandler {
    let probe: Probe
    let sender: any ISender
    let publisher: any IPublisher
    func handle(_ request: Checkout) async throws -> String {
        probe.record("checkout>")
        let chore = try await sender.invoke(Chore(name: "pack"))
        try await publisher.publish(Step(n: 1))
        try await sender.send(Chore(name: "ship"))
        probe.record("checkout<")
        return "checked out: \(chore)"
    }
}

private func dispatchModule() -> OrdersModule {
    OrdersModule(extensions: [
        MessagingExtension()
            .bindEvent(Step.self, StepOne.init)
            .bindEvent(Step.self, StepTwo.init)
            .bindEvent(Step.self, StepThree.init)
            .bindEvent(Dog.self, DogHandler.init)
            .bindEvent(Cat.self, CatHandler.init)
            .bindRequest(Chore.self, ChoreHandler.init)
            .bindRequest(Twice.self, TwiceHandler.init)
            .bindRequest(Checkout.self, CheckoutHandler.init),
    ])
}

@Suite("Dispatch")
struct DispatchTests {
    /// The per-scope bus holds its scope's container, and the handler holds the bus: a cycle
    /// through the scope's cache, which closing the scope must break.
    @Test("a request scope, its bus and its handlers are freed once the scope closes")
    func scopeAndBusAreFreedAfterDispatch() async throws {
        struct Weak: @unchecked Sendable {
            // @unchecked: written inside the scope and read after it closed, on the same task.
            weak var container: Container?
            weak var bus: MessageBus?
        }
        try await withApp([dispatchModule()], probe: Probe()) { app in
            let watched = try await app.withContainer { container in
                let bus = try await container.get((any IMessageBus).self)
                #expect(try await bus.invoke(Checkout()) == "checked out: done pack")
                return Weak(container: container, bus: try await container.get(MessageBus.self))
            }
            #expect(watched.container == nil, "the closed scope is still alive")
            #expect(watched.bus == nil, "the scope's bus is still alive")
        }
    }

    @Test("invoke and send of a request with no handler throw RequestHandlerNotFound naming the type")
    func invokeWithoutHandler() async throws {
        try await withApp([dispatchModule()], probe: Probe()) { app in
            try await inScope(app) { bus in
                let invoked = await #expect(throws: RequestHandlerNotFound.self) {
                    _ = try await bus.invoke(Unhandled())
                }
                #expect(invoked?.messageType.contains("Unhandled") == true)
                #expect(invoked?.description.contains("Unhandled") == true)
                let sent = await #expect(throws: RequestHandlerNotFound.self) {
                    try await bus.send(Unhandled())
                }
                #expect(sent?.messageType == invoked?.messageType)
            }
        }
    }

    @Test("send runs the handler inline, before it returns, and discards the response")
    func sendRunsInline() async throws {
        let probe = Probe()
        try await withApp([dispatchModule()], probe: probe) { app in
            try await inScope(app) { bus in
                let result: Void = try await bus.send(Chore(name: "sweep"))
                _ = result
                #expect(probe.log == ["chore sweep"])
                await #expect(throws: Boom(code: 7)) {
                    try await bus.send(Chore(name: "fail"))
                }
            }
        }
        #expect(probe.log == ["chore sweep"])
    }

    @Test("publish of an event with no handlers is a no-op and does not throw")
    func publishWithoutHandlers() async throws {
        let probe = Probe()
        try await withApp([dispatchModule()], probe: probe) { app in
            try await inScope(app) { bus in
                try await bus.publish(Unheard())
                let erased: any IEvent = Unheard()
                try await bus.publish(erased)
            }
        }
        #expect(probe.log.isEmpty)
        // Also with no bindings at all in the application.
        try await withApp([], probe: probe) { app in
            try await inScope(app) { bus in try await bus.publish(Unheard()) }
        }
        #expect(probe.log.isEmpty)
    }

    @Test("event handlers run sequentially in registration order, each finishing before the next starts")
    func sequentialInOrder() async throws {
        let probe = Probe()
        try await withApp([dispatchModule()], probe: probe) { app in
            try await inScope(app) { bus in
                try await bus.publish(Step(n: 1))
                try await bus.publish(Step(n: 2))
            }
        }
        #expect(probe.log == [
            "one> 1", "one< 1", "two> 1", "two< 1", "three> 1", "three< 1",
            "one> 2", "one< 2", "two> 2", "two< 2", "three> 2", "three< 2",
        ])
    }

    @Test("when an event handler throws, later handlers do not run and the original error reaches the caller")
    func failingHandlerStopsFanOut() async throws {
        let probe = Probe()
        try await withApp([dispatchModule()], probe: probe) { app in
            try await inScope(app) { bus in
                await #expect(throws: Boom(code: -3)) {
                    try await bus.publish(Step(n: -3))
                }
                // The bus is still usable afterwards.
                try await bus.publish(Step(n: 4))
            }
        }
        #expect(probe.log == [
            "one> -3", "one< -3", "two> -3",
            "one> 4", "one< 4", "two> 4", "two< 4", "three> 4", "three< 4",
        ])
    }

    @Test("a request handler's error reaches the caller unchanged")
    func requestErrorPropagates() async throws {
        try await withApp([dispatchModule()], probe: Probe()) { app in
            try await inScope(app) { bus in
                await #expect(throws: Boom(code: 7)) {
                    _ = try await bus.invoke(Chore(name: "fail"))
                }
            }
        }
    }

    @Test("an event published as `any IEvent` reaches its concrete type's handlers")
    func existentialPublish() async throws {
        let probe = Probe()
        try await withApp([dispatchModule()], probe: probe) { app in
            try await inScope(app) { bus in
                let events: [any IEvent] = [Dog(name: "rex"), Cat(name: "tom"), Unheard(), Dog(name: "fido")]
                for event in events { try await bus.publish(event) }
                let animal: any Animal = Cat(name: "kit")
                try await bus.publish(animal)
            }
        }
        #expect(probe.log == ["dog rex", "cat tom", "dog fido", "cat kit"])
    }

    @Test("a handler bound to one type does not receive another type sharing its base protocol")
    func exactTypeOnly() async throws {
        let probe = Probe()
        let onlyDogs = OrdersModule(extensions: [MessagingExtension().bindEvent(Dog.self, DogHandler.init)])
        try await withApp([onlyDogs], probe: probe) { app in
            try await inScope(app) { bus in
                try await bus.publish(Cat(name: "tom"))
                let animals: [any Animal] = [Cat(name: "kit"), Dog(name: "rex")]
                for animal in animals { try await bus.publish(animal) }
            }
        }
        #expect(probe.log == ["dog rex"])
    }

    @Test("a request passed as `any IRequest` reaches its concrete handler")
    func existentialInvoke() async throws {
        try await withApp([dispatchModule()], probe: Probe()) { app in
            try await inScope(app) { bus in
                let request: any IRequest = Twice(value: 21)
                let response = try await bus.invoke(request)
                #expect(response as? Int == 42)
                let missing: any IRequest = Unhandled()
                await #expect(throws: RequestHandlerNotFound.self) { _ = try await bus.invoke(missing) }
            }
        }
    }

    @Test("a handler can dispatch further messages through the ISender and IPublisher it injects")
    func nestedDispatch() async throws {
        let probe = Probe()
        let reply = try await withApp([dispatchModule()], probe: probe) { app in
            try await inScope(app) { bus in try await bus.invoke(Checkout()) }
        }
        #expect(reply == "checked out: done pack")
        #expect(probe.log == [
            "checkout>", "chore pack", "one> 1", "one< 1", "two> 1", "two< 1", "three> 1", "three< 1", "chore ship", "checkout<",
        ])
    }
}
