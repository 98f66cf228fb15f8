import Swinject

/// `swinject.*`: Swinject 2.10 on the same graph as `di.*`.
///
/// Swinject's `Container` is not `Sendable`; it is created and used inside one synchronous loop
/// on one task, never shared.
enum SwinjectScenarios {
    private static func makeContainer() -> Container {
        let container = Container()
        container.register(ServiceC.self) { _ in ServiceC() }.inObjectScope(.transient)
        container.register(ServiceB.self) { resolver in ServiceB(c: resolver.resolve(ServiceC.self)!) }
            .inObjectScope(.transient)
        container.register(ServiceA.self) { resolver in ServiceA(b: resolver.resolve(ServiceB.self)!) }
            .inObjectScope(.transient)
        container.register(Settings.self) { _ in Settings() }.inObjectScope(.container)
        return container
    }

    /// `swinject.singleton`: a `.container`-scoped instance, already created.
    static func singleton(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let container = makeContainer()
        guard let first = container.resolve(Settings.self), first === container.resolve(Settings.self) else {
            throw BenchFailure("Swinject .container scope did not cache")
        }
        return try await Harness.measureBatches(plans.micro) { n in
            for _ in 0 ..< n {
                guard let settings = container.resolve(Settings.self) else { throw BenchFailure("Swinject: no Settings") }
                sink.consume(settings)
            }
        }
    }

    /// `swinject.transient3`: A(B(C)) with `.transient` scope.
    static func transient3(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let container = makeContainer()
        guard let first = container.resolve(ServiceA.self), let second = container.resolve(ServiceA.self),
              first !== second, first.b !== second.b
        else { throw BenchFailure("Swinject transient graph was cached") }
        return try await Harness.measureBatches(plans.micro) { n in
            for _ in 0 ..< n {
                guard let a = container.resolve(ServiceA.self) else { throw BenchFailure("Swinject: no ServiceA") }
                sink.keep(a)
            }
        }
    }

    /// `swinject.scope.open-close`: a child container, Swinject's per-request scope, created and
    /// dropped.
    static func scopeOpenClose(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let root = makeContainer()
        return try await Harness.measureBatches(plans.micro) { n in
            for _ in 0 ..< n { sink.consume(Container(parent: root)) }
        }
    }
}
