import Waku

/// `di.*`: resolutions from a built swift-waku app, and their hand-wired floors.
enum DIScenarios {
    /// `di.singleton`: an already cached singleton from the app container.
    static func singleton(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let app = try await WakuFactory(DIAppModule()).create()
        return try await app.run { app in
            let container = app.container
            let first = try await container.get(Settings.self)
            guard first === (try await container.get(Settings.self)) else { throw BenchFailure("singleton was not cached") }
            return try await Harness.measureBatches(plans.micro) { n in
                for _ in 0 ..< n { sink.consume(try await container.get(Settings.self)) }
            }
        }
    }

    /// `di.scoped`: a scoped service already cached in the open request scope.
    static func scoped(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let app = try await WakuFactory(DIAppModule()).create()
        return try await app.run { app in
            try await app.withContainer { scope in
                let first = try await scope.get(RequestState.self)
                guard first === (try await scope.get(RequestState.self)) else { throw BenchFailure("scoped value was not cached") }
                return try await Harness.measureBatches(plans.micro) { n in
                    for _ in 0 ..< n { sink.consume(try await scope.get(RequestState.self)) }
                }
            }
        }
    }

    /// `di.transient3`: A(B(C)), all transient, built anew on each resolution inside one open
    /// request scope.
    static func transient3(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let app = try await WakuFactory(DIAppModule()).create()
        return try await app.run { app in
            try await app.withContainer { scope in
                let first = try await scope.get(ServiceA.self)
                let second = try await scope.get(ServiceA.self)
                guard first !== second, first.b !== second.b else { throw BenchFailure("transient graph was cached") }
                return try await Harness.measureBatches(plans.micro) { n in
                    for _ in 0 ..< n { sink.keep(try await scope.get(ServiceA.self)) }
                }
            }
        }
    }

    /// `di.scope.open-close`: open and close an empty request scope.
    static func scopeOpenClose(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let app = try await WakuFactory(DIAppModule()).create()
        return try await app.run { app in
            try await Harness.measureBatches(plans.micro) { n in
                for i in 0 ..< n {
                    try await app.withContainer { _ in }
                    sink.consume(i)
                }
            }
        }
    }

    /// `di.scope.first-scoped`: open a request scope, create one scoped service in it (its
    /// singleton dependency is cached), close the scope: a request's fixed cost once it uses DI.
    static func scopeFirstScoped(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let app = try await WakuFactory(DIAppModule()).create()
        return try await app.run { app in
            try await Harness.measureBatches(plans.micro) { n in
                for _ in 0 ..< n {
                    let state = try await app.withContainer { scope in try await scope.get(RequestState.self) }
                    sink.keep(state)
                }
            }
        }
    }

    /// `handwired.singleton`: reading a stored reference.
    static func handwiredSingleton(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let holder = SingletonHolder(settings: Settings())
        return try await Harness.measureBatches(plans.micro) { n in
            for _ in 0 ..< n { sink.consume(holder.current()) }
        }
    }

    /// `handwired.transient3`: `A(b: B(c: C()))` constructed directly.
    static func handwiredTransient3(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        try await Harness.measureBatches(plans.micro) { n in
            for _ in 0 ..< n { sink.keep(ServiceA(b: ServiceB(c: ServiceC()))) }
        }
    }
}

/// Where a hand-wired app keeps its singleton.
final class SingletonHolder {
    private let settings: Settings
    init(settings: Settings) { self.settings = settings }
    @inline(never)
    func current() -> Settings { settings }
}

/// A scenario's sanity check failed: the numbers would measure the wrong thing.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
