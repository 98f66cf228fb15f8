import Testing
import Waku
import WakuTesting

// Start-up issues carry the types they are about, and WakuTesting matches issues by kind, by type
// and by message.

@Suite("WakuTesting: start-up errors")
struct StartupErrorMatchingTests {
    protocol Mailer: Sendable {}
    struct Notifier: Sendable { let mailer: any Mailer }
    struct Clock: Sendable {}
    struct Scheduler: Sendable { let clock: Clock }
    final class Ping: Sendable { init(pong: Pong) {} }
    final class Pong: Sendable { init(ping: Ping) {} }

    struct NotificationModule: Module {
        var providers: [Provider] { [scoped { (mailer: any Mailer) in Notifier(mailer: mailer) }] }
    }

    struct SchedulingModule: Module {
        var providers: [Provider] {
            [scoped { Clock() }, singleton { (clock: Clock) in Scheduler(clock: clock) }]
        }
    }

    struct CycleModule: Module {
        var providers: [Provider] {
            [scoped { (pong: Pong) in Ping(pong: pong) }, scoped { (ping: Ping) in Pong(ping: ping) }]
        }
    }

    struct Root: Module {
        var imports: [any Module] { [NotificationModule(), SchedulingModule(), CycleModule()] }
    }

    struct Healthy: Module {}

    @Test("issues name the types involved: the dependent and its dependency, or every type of a cycle")
    func issuesCarryTypes() async throws {
        let error = try await startupError(WakuFactory(Root()))
        let missing = try error.issue(of: .missingDependency)
        #expect(missing.types == [TypeKey(Notifier.self), TypeKey((any Mailer).self)])
        #expect(missing.subject == "Notifier")
        let captive = try error.issue(of: .captiveDependency)
        #expect(captive.types == [TypeKey(Scheduler.self), TypeKey(Clock.self)])
        let cycle = try error.issue(of: .dependencyCycle)
        #expect(Set(cycle.types) == [TypeKey(Ping.self), TypeKey(Pong.self)])
        #expect(cycle.subject == cycle.types.first?.name)
    }

    @Test("match by kind, by type and by message fragments, alone or together")
    func matching() async throws {
        let error = try await startupError(WakuFactory(Root()))
        #expect(error.issues(involving: (any Mailer).self).map(\.kind) == [.missingDependency])
        #expect(error.issues(of: .captiveDependency, involving: Clock.self).count == 1)
        #expect(error.issues(of: .missingDependency, involving: Clock.self).isEmpty)
        #expect(error.issues(mentioning: "Notifier", "no module provides").count == 1)
        #expect(error.issues(of: .dependencyCycle, involving: Pong.self, mentioning: "Dependency cycle").count == 1)
        #expect(error.issues().count == error.issues.count)
        #expect(try error.issue(involving: Notifier.self).kind == .missingDependency)
        #expect(error.issues.first { $0.kind == .missingDependency }?.involves((any Mailer).self) == true)
    }

    @Test("issue(…) throws, with every issue in its description, unless exactly one matches")
    func exactlyOne() async throws {
        let error = try await startupError(WakuFactory(Root()))
        let none = #expect(throws: StartupIssueMismatch.self) { try error.issue(of: .routing) }
        #expect(none?.matches.isEmpty == true)
        #expect(none?.description.contains("of kind routing") == true)
        #expect(none?.description.contains("Notifier") == true, "the whole start-up error is described")
        let several = #expect(throws: StartupIssueMismatch.self) { try error.issue(mentioning: "depends on") }
        #expect((several?.matches.count ?? 0) > 1)
    }

    @Test("startupError throws UnexpectedStartup when the application builds")
    func unexpectedStartup() async throws {
        let error = await #expect(throws: UnexpectedStartup.self) { _ = try await startupError(WakuFactory(Healthy())) }
        #expect(error?.description.contains("Healthy") == true)
    }

    @Test("withTestApp(factory) initializes the app, runs the body, and closes it, also when the body throws")
    func withTestAppFromFactory() async throws {
        let app = try await withTestApp(WakuFactory(Healthy())) { app in
            #expect(app.isInitialized)
            return app
        }
        #expect(!app.isInitialized)
        let thrown = Locked<WakuApplication?>(nil)
        await #expect(throws: TestFailure(tag: "body")) {
            try await withTestApp(WakuFactory(Healthy())) { app in
                thrown.withLock { $0 = app }
                throw TestFailure(tag: "body")
            }
        }
        #expect(thrown.withLock { $0?.isInitialized } == false)
    }
}
