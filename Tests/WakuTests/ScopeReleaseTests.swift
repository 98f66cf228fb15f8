import Testing
import Waku
import WakuTesting

/// A closed request scope drops its cached values, so a value that holds its own container (a
/// message bus, a service locator) does not keep the scope alive in a reference cycle.
@Suite("Scope release")
struct ScopeReleaseTests {
    /// A scoped service that keeps the container it was resolved from.
    final class Locator: Sendable {
        let container: Container
        init(container: Container) { self.container = container }
    }

    final class Plain: Sendable {}

    /// A scoped value whose async factory waits for `gate`, with a cleanup that fires `cleaned`.
    final class Slow: Sendable {}

    struct Weak<Object: AnyObject>: @unchecked Sendable {
        // @unchecked: only read on the test's own task after the scope it watches has closed.
        weak var object: Object?
        init(_ object: Object) { self.object = object }
    }

    struct LocatorModule: Module {
        let log: EventLog
        var providers: [Provider] {
            let log = log
            return [
                scoped(Locator.init),
                scoped { () -> Finalized<Plain> in
                    Finalized(Plain()) { log.record("cleanup Plain") }
                },
            ]
        }
    }

    struct SlowModule: Module {
        let started: Signal
        let gate: Signal
        let cleaned: Signal
        var providers: [Provider] {
            let (started, gate, cleaned) = (started, gate, cleaned)
            return [
                scoped { () async -> Finalized<Slow> in
                    started.fire()
                    _ = await gate.wait()
                    return Finalized(Slow()) { cleaned.fire() }
                },
            ]
        }
    }

    @Test func aScopedValueHoldingItsContainerIsReleasedAtClose() async throws {
        let app = try await WakuFactory(LocatorModule(log: EventLog())).create()
        let (scope, locator) = try await app.withContainer { container in
            let locator = try await container.get(Locator.self)
            #expect(locator.container === container)
            // A second resolution in the same scope reads the cached value.
            #expect(try await container.get(Locator.self) === locator)
            return (Weak(container), Weak(locator))
        }
        #expect(scope.object == nil, "the closed scope is still alive")
        #expect(locator.object == nil, "the scoped value is still alive")
    }

    @Test func releasedAfterCleanupsRanAndWhenTheBodyThrew() async throws {
        let log = EventLog()
        let app = try await WakuFactory(LocatorModule(log: log)).create()
        let (scope, plain) = try await app.withContainer { container in
            _ = try await container.get(Locator.self)
            return (Weak(container), Weak(try await container.get(Plain.self)))
        }
        #expect(log.events == ["cleanup Plain"])
        #expect(scope.object == nil)
        #expect(plain.object == nil)

        nonisolated(unsafe) var watched: (Weak<Container>, Weak<Locator>)?
        await #expect(throws: TestFailure(tag: "body")) {
            try await app.withContainer { container in
                watched = (Weak(container), Weak(try await container.get(Locator.self)))
                throw TestFailure(tag: "body")
            }
        }
        #expect(watched?.0.object == nil)
        #expect(watched?.1.object == nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func aValueCreatedAfterItsScopeClosedIsCleanedUpAndNotHandedOut() async throws {
        let (started, gate, cleaned) = (Signal(), Signal(), Signal())
        let app = try await WakuFactory(SlowModule(started: started, gate: gate, cleaned: cleaned)).create()
        let pending = try await app.withContainer { container in
            // Escapes the scope on purpose: the resolution is still running when it closes.
            let task = Task { try await container.get(Slow.self) }
            #expect(await started.wait())
            return task
        }
        gate.fire()
        let result = await pending.result
        #expect(throws: ResolutionError(type: "Slow", reason: .scopeClosed)) { try result.get() }
        // Its cleanup runs although the scope's cleanups already ran.
        #expect(await cleaned.wait())
    }

    @Test func manyScopesReleaseWhileResolvingConcurrently() async throws {
        let app = try await WakuFactory(LocatorModule(log: EventLog())).create()
        let watched = try await withThrowingTaskGroup(of: (Weak<Container>, Weak<Locator>).self) { group in
            for _ in 0 ..< 200 {
                group.addTask {
                    try await app.withContainer { container in
                        // Concurrent first resolutions of one scoped value: one instance.
                        let locators = try await withThrowingTaskGroup(of: Locator.self) { inner in
                            for _ in 0 ..< 5 { inner.addTask { try await container.get(Locator.self) } }
                            return try await inner.reduce(into: []) { $0.append($1) }
                        }
                        #expect(locators.allSatisfy { $0 === locators[0] })
                        return (Weak(container), Weak(locators[0]))
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(watched.count == 200)
        #expect(watched.allSatisfy { $0.0.object == nil && $0.1.object == nil })
    }
}

/// The lock-free scoped cells under contention: a creation that fails hands its error to the
/// resolutions waiting for it, and the next resolution creates the value again, once.
@Suite("Scoped cells under contention")
struct ScopedCellContentionTests {
    final class Flaky: Sendable {
        let serial: Int
        init(serial: Int) { self.serial = serial }
    }

    struct FlakyModule: Module {
        let attempts: Counter
        var providers: [Provider] {
            let attempts = attempts
            return [
                scoped { () async throws -> Flaky in
                    let attempt = attempts.next()
                    // Yield so other resolutions find the cell claimed and park on it.
                    for _ in 0 ..< 5 { await Task.yield() }
                    if attempt == 1 { throw TestFailure(tag: "first attempt") }
                    return Flaky(serial: attempt)
                },
            ]
        }
    }

    @Test func aFailedCreationFailsItsWaitersAndTheNextResolutionCreatesOnce() async throws {
        for _ in 0 ..< 20 {
            let attempts = Counter()
            let app = try await WakuFactory(FlakyModule(attempts: attempts)).create()
            let results = try await app.withContainer { container in
                await withTaskGroup(of: Result<Int, TestFailure>.self) { group in
                    for _ in 0 ..< 200 {
                        group.addTask {
                            do {
                                return .success(try await container.get(Flaky.self).serial)
                            } catch let failure as TestFailure {
                                return .failure(failure)
                            } catch {
                                return .failure(TestFailure(tag: "unexpected \(error)"))
                            }
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
            }
            let failures = results.compactMap { result -> TestFailure? in
                if case .failure(let failure) = result { return failure }
                return nil
            }
            let serials = Set(results.compactMap { try? $0.get() })
            #expect(!failures.isEmpty)
            #expect(failures.allSatisfy { $0 == TestFailure(tag: "first attempt") })
            // Whoever resolved after the failure got the one value of the second attempt.
            #expect(serials.isSubset(of: [2]))
            let made = attempts.value
            #expect(made <= 2)
            // A new scope creates its own.
            #expect(try await app.withContainer { try await $0.get(Flaky.self).serial } == made + 1)
        }
    }
}

/// A request scope stores a scoped class instance as itself and anything else in a box; every
/// shape must read back as the one value of the scope, directly, injected, and through the
/// parameter-pack path (factories of more than four parameters).
@Suite("Scoped value shapes")
struct ScopedValueShapeTests {
    final class Service: Sendable {}
    struct Value: Sendable, Equatable { let id: Int }
    protocol Greeter: Sendable { var name: String { get } }
    protocol ClassGreeter: AnyObject, Sendable { var name: String { get } }
    final class English: Greeter, ClassGreeter { let name = "en" }

    /// Takes every shape, in a factory of six parameters (the parameter-pack path).
    final class Consumer: Sendable {
        let service: Service
        let value: Value
        let greeter: any Greeter
        let classGreeter: any ClassGreeter
        let optional: Service?
        let more: Service
        init(service: Service, value: Value, greeter: any Greeter, classGreeter: any ClassGreeter, optional: Service?, more: Service) {
            (self.service, self.value, self.greeter, self.classGreeter, self.optional, self.more) =
                (service, value, greeter, classGreeter, optional, more)
        }
    }

    /// Takes two shapes, in a fixed-arity factory (the specialized path).
    struct Pair: Sendable {
        let service: Service
        let classGreeter: any ClassGreeter
    }

    struct ShapesModule: Module {
        let counter: Counter
        var providers: [Provider] {
            let counter = counter
            return [
                scoped { Service() },
                scoped { Value(id: counter.next()) },
                scoped((any Greeter).self) { English() },
                scoped((any ClassGreeter).self) { English() },
                scoped { () -> Service? in Service() },
                transient(Consumer.init),
                transient(Pair.init),
            ]
        }
    }

    @Test func everyShapeIsOneValuePerScope() async throws {
        let app = try await WakuFactory(ShapesModule(counter: Counter())).create()
        // Held here, so a later scope's instance cannot reuse an earlier one's address.
        var services: [Service] = []
        for _ in 0 ..< 2 {
            let service = try await app.withContainer { container in
                let consumer = try await container.get(Consumer.self)
                let pair = try await container.get(Pair.self)
                let service = try await container.get(Service.self)
                #expect(consumer.service === service && consumer.more === service && pair.service === service)
                #expect(consumer.value == (try await container.get(Value.self)))
                #expect(consumer.greeter.name == "en")
                #expect(consumer.classGreeter === (try await container.get((any ClassGreeter).self)))
                #expect(pair.classGreeter === consumer.classGreeter)
                let optional = try await container.get(Service?.self)
                #expect(optional != nil && consumer.optional === optional)
                return service
            }
            services.append(service)
        }
        #expect(services[0] !== services[1])
    }
}
