import Waku

// The DI graph of the `di.*`, `handwired.*` and `swinject.*` scenarios; the same shape as the
// Python peer's DiAppModule: A(B(C)) all transient, plus a singleton and (here) a scoped service.

final class ServiceC: Sendable {
    init() {}
}

final class ServiceB: Sendable {
    let c: ServiceC
    init(c: ServiceC) { self.c = c }
}

final class ServiceA: Sendable {
    let b: ServiceB
    init(b: ServiceB) { self.b = b }
}

/// The cached singleton of `di.singleton`.
final class Settings: Sendable {
    let name: String
    init() { name = "bench" }
}

/// The cached scoped service of `di.scoped`: one per request scope.
final class RequestState: Sendable {
    let settings: Settings
    init(settings: Settings) { self.settings = settings }
}

struct DIAppModule: Module {
    var providers: [Provider] {
        [
            transient(ServiceC.init),
            transient(ServiceB.init),
            transient(ServiceA.init),
            singleton(Settings.init),
            scoped(RequestState.init),
        ]
    }
}
