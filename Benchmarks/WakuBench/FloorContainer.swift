import Foundation
import Synchronization
import WakuMessaging

/// `floor.invoke.di` / `floor.invoke3.di` / `floor.publish.di`: `floor.*` plus the least a
/// dependency-injection container needs to do per message for the bus the spec describes, written
/// by hand for these messages and nothing else.
///
/// What `floor.*` leaves out and the spec requires:
///
/// - the bus comes from the request scope by type (`scope.get((any IMessageBus).self)`), and is
///   called through that existential, so its `invoke<R>` is generic code nobody specializes;
/// - the message's type is mapped to its handlers at run time (modules are composed at start-up);
/// - the handler and its scoped dependency are cached in the scope, once per scope even when
///   other tasks resolve in the same scope at the same time, and released when it closes;
/// - the scope is closed: later resolutions fail, and cleanups (none here) run;
/// - `floor.invoke3.di`: three pass-through behaviors around the handler, called through
///   `any IPipelineBehavior` with the message context, as the bus calls configured behaviors.
///
/// Everything takes its cheapest form, so this is a lower bound, not a design: the scope is one
/// allocation that also serves as the bus; lookups scan a few entries instead of hashing; a cache
/// cell is one atomic word, claimed then published (creating once costs the same as a single
/// compare-exchange, measured); closing does not wait for resolutions still reading the cells;
/// no error leaves a cell half-built; the behaviors are built once instead of resolved per
/// scope; no context values, overrides, logging or telemetry checks. Batch-timed, as `floor.*`
/// is (timing each operation, as `bus.*` does, added about 10 ns, measured).
///
/// Their ratios to `floor.invoke` and `floor.publish` are therefore the least any container-backed
/// bus can reach: about 1.45, 3.4 and 1.65 on this host, against the dispatch-core targets of
/// 1.5, 2 and 2.
enum FloorContainer {
    /// What the bus offers the caller, reached only through an existential.
    protocol Bus: Sendable {
        func invoke<R: IRequest>(_ request: R) async throws -> R.Response
        func publish<E: IEvent>(_ event: E) async throws
    }

    /// Built at start-up: the types the scope resolves, and each message type's plan.
    final class App: Sendable {
        let clock = ClockService()
        let types: [(type: ObjectIdentifier, slot: Int)]
        let plans: [(message: ObjectIdentifier, plan: any AnyObject & Sendable)]
        /// Global pipeline behaviors, built once: a container would resolve them in each scope.
        let behaviors: [any IPipelineBehavior]

        init(
            types: [(type: ObjectIdentifier, slot: Int)], plans: [(message: ObjectIdentifier, plan: any AnyObject & Sendable)],
            behaviors: [any IPipelineBehavior]
        ) {
            self.types = types
            self.plans = plans
            self.behaviors = behaviors
        }

        func slot(of type: ObjectIdentifier) -> Int? { types.first { $0.type == type }?.slot }
        func plan(of message: ObjectIdentifier) -> (any AnyObject & Sendable)? { plans.first { $0.message == message }?.plan }
    }

    final class RequestPlan<R: IRequest>: Sendable {
        let typeName = MessageTypeName.of(R.self)
        let handle: @Sendable (R, Scope) async throws -> R.Response
        init(_ handle: @escaping @Sendable (R, Scope) async throws -> R.Response) { self.handle = handle }
    }

    final class EventPlan<E: IEvent>: Sendable {
        let typeName = MessageTypeName.of(E.self)
        let handlers: [@Sendable (E, Scope) async throws -> Void]
        init(_ handlers: [@Sendable (E, Scope) async throws -> Void]) { self.handlers = handlers }
    }

    /// The bus's slot: the scope itself.
    enum Slot {
        static let bus = 0
    }

    /// A request scope: the closed flag and one atomic cache cell per scoped slot, in the one
    /// allocation the scope is. A cell is 0 while empty, else the instance it owns (one retain).
    final class Scope: Bus {
        let app: App
        private let closed = Atomic<Bool>(false)
        let repositoryCell = Atomic<UInt>(0)
        let handlerACell = Atomic<UInt>(0)
        let handlerBCell = Atomic<UInt>(0)
        /// Whether a factory registered a cleanup; none of these factories does.
        private let hasCleanups = Atomic<Bool>(false)

        init(_ app: App) { self.app = app }

        deinit { releaseCells() }

        var isClosed: Bool { closed.load(ordering: .acquiring) }

        /// `scope.get((any IMessageBus).self)`: a lookup by type, the closed check, an existential.
        @inline(never)
        func messageBus() throws -> any Bus {
            guard app.slot(of: ObjectIdentifier((any Bus).self)) == Slot.bus, !isClosed else {
                throw BenchFailure("no bus in a closed scope")
            }
            return self
        }

        /// The instance in `cell`, created by `make` on first use in this scope. The cell is
        /// claimed (0 → 1) before `make` runs, so the instance is created exactly once even when
        /// tasks race; the loser of that race would wait, which a single task never does here.
        @inline(__always)
        func scoped<T: AnyObject>(_ cell: borrowing Atomic<UInt>, _ make: () -> T) throws -> T {
            guard !isClosed else { throw BenchFailure("resolved in a closed scope") }
            let current = cell.load(ordering: .acquiring)
            if current > 1, let existing = UnsafeRawPointer(bitPattern: current) {
                return Unmanaged<T>.fromOpaque(existing).takeUnretainedValue()
            }
            guard current == 0, cell.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged else {
                throw BenchFailure("another task is creating it; a container would wait for it here")
            }
            let made = make()
            cell.store(UInt(bitPattern: Unmanaged.passRetained(made).toOpaque()), ordering: .releasing)
            return made
        }

        @inline(never)
        func invoke<R: IRequest>(_ request: R) async throws -> R.Response {
            guard let plan = app.plan(of: ObjectIdentifier(R.self)) else { throw BenchFailure("no handler") }
            // Every plan registered under `R` is a `RequestPlan<R>`.
            let typed = unsafeDowncast(plan, to: RequestPlan<R>.self)
            let envelope = FloorBus.envelope(for: request, typeName: typed.typeName)
            guard !app.behaviors.isEmpty else {
                return try await FloorBus.$context.withValue(envelope) { try await typed.handle(request, self) }
            }
            // Composing the behaviors once per plan instead was slower (measured).
            return try await FloorBus.$context.withValue(envelope) {
                try await Self.pipeline(app.behaviors[...], request, MessageContext(envelope: envelope)) {
                    try await typed.handle(request, self)
                }
            }
        }

        /// The behaviors around `handler`, the first outermost.
        static func pipeline<R: IRequest>(
            _ behaviors: ArraySlice<any IPipelineBehavior>, _ request: R, _ context: MessageContext,
            _ handler: () async throws -> R.Response
        ) async throws -> R.Response {
            guard let first = behaviors.first else { return try await handler() }
            return try await first.handle(request, context: context) {
                try await pipeline(behaviors.dropFirst(), request, context, handler)
            }
        }

        @inline(never)
        func publish<E: IEvent>(_ event: E) async throws {
            guard let plan = app.plan(of: ObjectIdentifier(E.self)) else { return }
            // Every plan registered under `E` is an `EventPlan<E>`.
            let typed = unsafeDowncast(plan, to: EventPlan<E>.self)
            try await FloorBus.$context.withValue(FloorBus.envelope(for: event, typeName: typed.typeName)) {
                for handler in typed.handlers { try await handler(event, self) }
            }
        }

        /// Marks the scope closed and, if it has no cleanups, drops its cached instances.
        func closeIfNothingToCleanUp() -> Bool {
            closed.store(true, ordering: .sequentiallyConsistent)
            guard !hasCleanups.load(ordering: .sequentiallyConsistent) else { return false }
            releaseCells()
            return true
        }

        private func releaseCells() {
            release(repositoryCell)
            release(handlerACell)
            release(handlerBCell)
        }

        private func release(_ cell: borrowing Atomic<UInt>) {
            guard cell.load(ordering: .acquiring) != 0 else { return }
            if let owned = UnsafeRawPointer(bitPattern: cell.exchange(0, ordering: .acquiringAndReleasing)) {
                Unmanaged<AnyObject>.fromOpaque(owned).release()
            }
        }
    }

    static func repository(_ scope: Scope) throws -> Repository {
        try scope.scoped(scope.repositoryCell) { Repository() }
    }

    static let app = makeApp(behaviors: [])

    static func makeApp(behaviors: [any IPipelineBehavior]) -> App { App(
        types: [(ObjectIdentifier((any Bus).self), Slot.bus)],
        plans: [
            (ObjectIdentifier(Ping.self), RequestPlan<Ping> { request, scope in
                let repository = try repository(scope)
                let handler = try scope.scoped(scope.handlerACell) { PingHandler(clock: scope.app.clock, repository: repository) }
                return try await handler.handle(request)
            }),
            (ObjectIdentifier(Pinged.self), EventPlan<Pinged>([
                { event, scope in
                    let repository = try repository(scope)
                    let handler = try scope.scoped(scope.handlerACell) { PingedHandlerA(clock: scope.app.clock, repository: repository) }
                    try await handler.handle(event)
                },
                { event, scope in
                    let repository = try repository(scope)
                    let handler = try scope.scoped(scope.handlerBCell) { PingedHandlerB(clock: scope.app.clock, repository: repository) }
                    try await handler.handle(event)
                },
            ])),
        ],
        behaviors: behaviors)
    }

    static func invoke(behaviors: Int) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in try await invoke(plans, sink, app: behaviors == 0 ? app : makeApp(behaviors: Array(all.prefix(behaviors)))) }
    }

    /// The pass-through behaviors of `bus.invoke.3behaviors`.
    static let all: [any IPipelineBehavior] = [PassThrough1(), PassThrough2(), PassThrough3()]

    static func invoke(_ plans: Plans, _ sink: Sink, app: App) async throws -> Measurement {
        try await Harness.measureBatches(plans.handwiredBus) { n in
            for i in 0 ..< n {
                let scope = Scope(app)
                let result = try await scope.messageBus().invoke(Ping(value: i))
                guard scope.closeIfNothingToCleanUp() else { throw BenchFailure("a cleanup was registered") }
                sink.keep(scope)
                sink.consume(result.value)
            }
        }
    }

    static func publish(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let app = Self.app
        return try await Harness.measureBatches(plans.handwiredBus) { n in
            for i in 0 ..< n {
                let scope = Scope(app)
                try await scope.messageBus().publish(Pinged(value: i))
                guard scope.closeIfNothingToCleanUp() else { throw BenchFailure("a cleanup was registered") }
                sink.keep(scope)
                sink.consume(i)
            }
        }
    }
}
