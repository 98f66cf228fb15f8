import Testing
import Waku

@Suite("Providers")
struct ProviderTests {
    // MARK: Fixtures

    /// A reference type so tests can check identity; `serial` tells instances apart.
    final class Instance: Sendable {
        let serial: Int
        init(serial: Int) { self.serial = serial }
    }
    final class SingletonThing: Sendable { let serial: Int; init(serial: Int) { self.serial = serial } }
    final class ScopedThing: Sendable { let serial: Int; init(serial: Int) { self.serial = serial } }
    final class TransientThing: Sendable { let serial: Int; init(serial: Int) { self.serial = serial } }

    struct LifetimesModule: Module {
        let counter: Counter
        var providers: [Provider] {
            let counter = counter
            return [
                singleton { SingletonThing(serial: counter.next()) },
                scoped { ScopedThing(serial: counter.next()) },
                transient { TransientThing(serial: counter.next()) },
            ]
        }
    }

    struct ObjectModule: Module {
        let instance: Instance
        var providers: [Provider] { [object(instance)] }
    }

    protocol Greeter: Sendable { func greet(_ name: String) -> String }
    struct EnglishGreeter: Greeter { func greet(_ name: String) -> String { "Hello, \(name)" } }
    struct Welcome: Sendable { let text: String }
    struct InterfaceModule: Module {
        var providers: [Provider] {
            [
                singleton((any Greeter).self, EnglishGreeter.init),
                scoped { (greeter: any Greeter) in Welcome(text: greeter.greet("Ada")) },
            ]
        }
    }

    struct Slow: Sendable { let value: Int }
    struct Broken: Sendable {}
    struct AsyncModule: Module {
        var providers: [Provider] {
            [
                singleton { () async throws -> Slow in
                    await Task.yield()
                    return Slow(value: 11)
                },
                singleton { () async throws -> Broken in
                    await Task.yield()
                    throw TestFailure(tag: "factory failed")
                },
            ]
        }
    }

    struct AppName: Sendable, Equatable { let raw: String }
    struct RequestID: Sendable, Equatable { let raw: Int }
    struct Tagged: Sendable, Equatable { let text: String }
    struct ContextModule: Module {
        var providers: [Provider] {
            [
                contextual(AppName.self, scope: .app),
                contextual(RequestID.self, scope: .request),
                scoped { (app: AppName, request: RequestID) in Tagged(text: "\(app.raw)/\(request.raw)") },
            ]
        }
    }

    struct Unregistered: Sendable {}

    // MARK: Lifetimes

    @Test func singletonIsSharedAcrossScopesAndTheAppContainer() async throws {
        let counter = Counter()
        let app = try await WakuFactory(LifetimesModule(counter: counter)).create()
        let first = try await app.withContainer { try await $0.get(SingletonThing.self) }
        let second = try await app.withContainer { try await $0.get(SingletonThing.self) }
        let fromApp = try await app.container.get(SingletonThing.self)
        #expect(first === second)
        #expect(first === fromApp)
        #expect(counter.value == 1)
    }

    @Test func scopedIsSharedWithinAScopeOnly() async throws {
        let counter = Counter()
        let app = try await WakuFactory(LifetimesModule(counter: counter)).create()
        let (a, b) = try await app.withContainer { container in
            (try await container.get(ScopedThing.self), try await container.get(ScopedThing.self))
        }
        let c = try await app.withContainer { try await $0.get(ScopedThing.self) }
        #expect(a === b)
        #expect(a !== c)
        #expect(a.serial != c.serial)
        #expect(counter.value == 2)
    }

    @Test func transientIsNewOnEveryResolution() async throws {
        let counter = Counter()
        let app = try await WakuFactory(LifetimesModule(counter: counter)).create()
        let things = try await app.withContainer { container in
            [
                try await container.get(TransientThing.self),
                try await container.get(TransientThing.self),
                try await container.get(TransientThing.self),
            ]
        }
        #expect(Set(things.map(\.serial)).count == 3)
        #expect(things[0] !== things[1])
        #expect(counter.value == 3)
    }

    @Test func objectIsTheGivenInstance() async throws {
        let instance = Instance(serial: 1234)
        let app = try await WakuFactory(ObjectModule(instance: instance)).create()
        #expect(try await app.container.get(Instance.self) === instance)
        #expect(try await app.withContainer { try await $0.get(Instance.self) } === instance)
    }

    @Test func interfaceBindingResolvesTheImplementation() async throws {
        let app = try await WakuFactory(InterfaceModule()).create()
        let greeter = try await app.container.get((any Greeter).self)
        #expect(greeter is EnglishGreeter)
        #expect(try await app.withContainer { try await $0.get(Welcome.self).text } == "Hello, Ada")
    }

    @Test func asyncThrowingFactories() async throws {
        let app = try await WakuFactory(AsyncModule()).create()
        #expect(try await app.container.get(Slow.self).value == 11)
        let error = await #expect(throws: TestFailure.self) { try await app.container.get(Broken.self) }
        #expect(error == TestFailure(tag: "factory failed"))
        // A failed creation is not cached: the next attempt runs the factory again and fails the same way.
        await #expect(throws: TestFailure(tag: "factory failed")) { try await app.container.get(Broken.self) }
    }

    // MARK: Context values

    @Test func contextualValuesAtAppAndRequestScope() async throws {
        let app = try await WakuFactory(ContextModule(), context: ContextValues(AppName(raw: "shop"))).create()
        #expect(try await app.container.get(AppName.self) == AppName(raw: "shop"))
        let (name, id, tagged) = try await app.withContainer(context: ContextValues(RequestID(raw: 3))) { container in
            (
                try await container.get(AppName.self), try await container.get(RequestID.self),
                try await container.get(Tagged.self)
            )
        }
        #expect(name == AppName(raw: "shop"))
        #expect(id == RequestID(raw: 3))
        #expect(tagged == Tagged(text: "shop/3"))
        // Each scope sees its own request context.
        let other = try await app.withContainer(context: ContextValues(RequestID(raw: 4))) {
            try await $0.get(Tagged.self)
        }
        #expect(other == Tagged(text: "shop/4"))
    }

    @Test func contextualValueNotSupplied() async throws {
        let app = try await WakuFactory(ContextModule()).create()
        let appError = try await resolutionError { _ = try await app.container.get(AppName.self) }
        #expect(appError.reason == .contextNotSupplied(.app))
        #expect(appError.type == "AppName")

        let requestError = try await resolutionError {
            _ = try await app.withContainer { try await $0.get(RequestID.self) }
        }
        #expect(requestError.reason == .contextNotSupplied(.request))
        #expect(requestError.type == "RequestID")
        #expect(requestError.description.contains("RequestID"))
    }

    // MARK: Resolution errors

    @Test func requestScopedFromAppContainer() async throws {
        let counter = Counter()
        let app = try await WakuFactory(LifetimesModule(counter: counter)).create()
        let error = try await resolutionError { _ = try await app.container.get(ScopedThing.self) }
        #expect(error == ResolutionError(type: "ScopedThing", reason: .requestScopedFromApp))
        #expect(counter.value == 0)

        let contextApp = try await WakuFactory(ContextModule(), context: ContextValues(AppName(raw: "x"))).create()
        let contextError = try await resolutionError { _ = try await contextApp.container.get(RequestID.self) }
        #expect(contextError == ResolutionError(type: "RequestID", reason: .requestScopedFromApp))
    }

    @Test func unregisteredType() async throws {
        let app = try await WakuFactory(LifetimesModule(counter: Counter())).create()
        let error = try await resolutionError { _ = try await app.container.get(Unregistered.self) }
        #expect(error == ResolutionError(type: "Unregistered", reason: .unregistered))
        let scopeError = try await resolutionError {
            _ = try await app.withContainer { try await $0.get(Unregistered.self) }
        }
        #expect(scopeError.reason == .unregistered)
        #expect(app.container.contains(SingletonThing.self))
        #expect(!app.container.contains(Unregistered.self))
    }

    @Test func resolvingAfterTheScopeClosed() async throws {
        let counter = Counter()
        let app = try await WakuFactory(LifetimesModule(counter: counter)).create()
        let (escaped, resolved) = try await app.withContainer { container in
            (container, try await container.get(ScopedThing.self))
        }
        #expect(resolved.serial == 1)
        let error = try await resolutionError { _ = try await escaped.get(ScopedThing.self) }
        #expect(error == ResolutionError(type: "ScopedThing", reason: .scopeClosed))
        let transientError = try await resolutionError { _ = try await escaped.get(TransientThing.self) }
        #expect(transientError == ResolutionError(type: "TransientThing", reason: .scopeClosed))
        #expect(counter.value == 1)
    }

    @Test func resolvingFromTheAppContainerAfterCloseFails() async throws {
        let counter = Counter()
        let app = try await WakuFactory(LifetimesModule(counter: counter)).create()
        try await app.initialize()
        #expect(try await app.container.get(SingletonThing.self).serial == 1)
        try await app.close()
        let error = try await resolutionError { _ = try await app.container.get(SingletonThing.self) }
        #expect(error == ResolutionError(type: "SingletonThing", reason: .scopeClosed))
        #expect(counter.value == 1)
    }

    @Test func resolvingAfterTheScopeClosedNeverCreates() async throws {
        let counter = Counter()
        let app = try await WakuFactory(LifetimesModule(counter: counter)).create()
        let escaped = try await app.withContainer { $0 }
        let error = try await resolutionError { _ = try await escaped.get(ScopedThing.self) }
        #expect(error.reason == .scopeClosed)
        #expect(counter.value == 0)
    }
}
