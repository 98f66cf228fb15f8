import Waku
import WakuMessaging

// Messages, handlers and modules of the `bus.*` scenarios: the shapes of the Python peer's
// bench.py (Ping / Outer / Pinged, a handler with one singleton and one scoped dependency).

/// Singleton (app scope) dependency of every handler.
final class ClockService: Sendable {
    let base: Int
    init() { base = 1_000 }
}

/// Scoped (request scope) dependency of every handler: one instance per message scope.
final class Repository: Sendable {
    let store: Int
    init() { store = 1 }
}

/// Exported to every module, as the peer's `InfraModule(is_global=True)`.
struct InfraModule: Module {
    var providers: [Provider] { [singleton(ClockService.init), scoped(Repository.init)] }
    var exports: [Export] { [.type(ClockService.self), .type(Repository.self)] }
    var isGlobal: Bool { true }
}

struct PingResult: Sendable {
    let value: Int
}

struct Ping: IRequest {
    typealias Response = PingResult
    let value: Int
}

final class PingHandler: RequestHandler {
    private let clock: ClockService
    private let repository: Repository
    init(clock: ClockService, repository: Repository) {
        self.clock = clock
        self.repository = repository
    }

    func handle(_ request: Ping) async throws -> PingResult {
        PingResult(value: request.value + repository.store)
    }
}

/// The request of `bus.nested`: its handler invokes a `Ping` through the injected sender.
struct Outer: IRequest {
    typealias Response = PingResult
    let value: Int
}

final class OuterHandler: RequestHandler {
    private let sender: any ISender
    init(sender: any ISender) { self.sender = sender }

    func handle(_ request: Outer) async throws -> PingResult {
        let inner = try await sender.invoke(Ping(value: request.value))
        return PingResult(value: inner.value + 1)
    }
}

struct Pinged: IEvent {
    let value: Int
}

final class PingedHandlerA: EventHandler, Injectable {
    private let clock: ClockService
    private let repository: Repository
    init(clock: ClockService, repository: Repository) {
        self.clock = clock
        self.repository = repository
    }
    static var factory: Factory<PingedHandlerA> { Factory(PingedHandlerA.init) }

    func handle(_ event: Pinged) async throws {}
}

final class PingedHandlerB: EventHandler, Injectable {
    private let clock: ClockService
    private let repository: Repository
    init(clock: ClockService, repository: Repository) {
        self.clock = clock
        self.repository = repository
    }
    static var factory: Factory<PingedHandlerB> { Factory(PingedHandlerB.init) }

    func handle(_ event: Pinged) async throws {}
}

/// Global pass-through behaviors of `bus.invoke.3behaviors`.
struct PassThrough1: IPipelineBehavior, Injectable {
    static var factory: Factory<PassThrough1> { Factory { PassThrough1() } }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        try await next()
    }
}

struct PassThrough2: IPipelineBehavior, Injectable {
    static var factory: Factory<PassThrough2> { Factory { PassThrough2() } }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        try await next()
    }
}

struct PassThrough3: IPipelineBehavior, Injectable {
    static var factory: Factory<PassThrough3> { Factory { PassThrough3() } }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        try await next()
    }
}

/// Handlers of Ping, Outer and Pinged; request-scoped (registered by the extension).
struct PingModule: Module {
    var extensions: [any ModuleExtension] {
        [
            MessagingExtension()
                .bindRequest(Ping.self, PingHandler.init)
                .bindRequest(Outer.self, OuterHandler.init)
                .bindEvent(Pinged.self, [PingedHandlerA.self, PingedHandlerB.self])
        ]
    }
}

struct BusAppModule: Module {
    /// How many of the pass-through behaviors to configure globally (0...3).
    let behaviors: Int

    var imports: [any Module] {
        let all: [any IPipelineBehavior.Type] = [PassThrough1.self, PassThrough2.self, PassThrough3.self]
        return [
            InfraModule(),
            PingModule(),
            MessagingModule.register(MessagingConfig(pipelineBehaviors: Array(all.prefix(behaviors)))),
        ]
    }
}
