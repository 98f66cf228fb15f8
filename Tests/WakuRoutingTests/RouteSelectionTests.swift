import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Which handlers run inline and which go to an endpoint: unrouted handlers, per-type routes,
// module routes, their precedence, and requests (`send` routed, `invoke` inline).

@Suite("Route selection", .timeLimit(.minutes(1)))
struct RouteSelectionTests {
    @Test("unrouted handlers run inline, on the publisher's task, even when endpoints exist")
    func unroutedRunInline() async throws {
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [route(Pong.self).to("q")])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingA.init).bindEvent(Pong.self, PongA.init)])
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) {
                try await PublisherMarker.$value.withValue("publisher") {
                    try await publish(app, Ping(n: 1))
                }
                // Inline: finished before publish returned.
                #expect(probe.count("PingA.done") == 1)
            }
            let execution = try #require(probe.executions(of: "PingA").first)
            #expect(execution.marker == "publisher")
            #expect(session.handled.map(\.handler) == ["PingA"])
            #expect(session.handled.map(\.endpoint) == [nil])
            #expect(try await runtime(of: app).endpoints["q"]?.depth == 0)
        }
    }

    @Test("a per-type route sends every handler of the type, from every module, through the endpoint")
    func perTypeRouteCoversEveryModule() async throws {
        let probe = Probe()
        let gate = Signal()
        for handler in ["PingA", "PingB", "PingC"] {
            probe.on(handler) { _ in
                if !(await gate.wait()) { probe.record("\(handler) gate timed out") }
            }
        }
        let config = MessagingConfig(endpoints: [.localQueue("q", concurrency: 3)], routing: [route(Ping.self).to("q")])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingA.init)]),
            ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)]),
            ModC(extensions: [MessagingExtension().bindEvent(Ping.self, PingC.init)]),
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) {
                try await PublisherMarker.$value.withValue("publisher") {
                    try await publish(app, Ping(n: 1))
                }
                // publish returned while every routed handler is still waiting on the gate.
                #expect(probe.count("PingA.done") + probe.count("PingB.done") + probe.count("PingC.done") == 0)
                probe.record("publish returned")
                gate.fire()
            }
            #expect(Set(session.handled.map(\.handler)) == ["PingA", "PingB", "PingC"])
            #expect(session.handled.allSatisfy { $0.endpoint == "q" })
            #expect(probe.executions.count == 3)
            // Worker tasks do not inherit the publisher's task-locals.
            #expect(probe.executions.allSatisfy { $0.marker == nil })
            #expect(probe.log == ["publish returned"])
        }
    }

    @Test("a module route sends only that module's handlers; the others stay inline")
    func moduleRouteIsScopedToTheModule() async throws {
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [routeModule(ModB.self).eventsTo("q")])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingA.init)]),
            ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)]),
            ModC(extensions: [MessagingExtension().bindEvent(Ping.self, PingC.init)]),
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) {
                try await PublisherMarker.$value.withValue("publisher") {
                    try await publish(app, Ping(n: 1))
                }
            }
            let endpoints = Dictionary(uniqueKeysWithValues: session.handled.map { ($0.handler, $0.endpoint) })
            let expected: [String: String?] = ["PingA": nil, "PingB": "q", "PingC": nil]
            #expect(endpoints == expected)
            #expect(probe.executions(of: "PingA").first?.marker == "publisher")
            #expect(probe.executions(of: "PingB").first?.marker == nil)
            #expect(probe.executions(of: "PingC").first?.marker == "publisher")

            // The registry describes the same routing.
            let route = try #require(try await app.container.get(MessageRegistry.self).routes.first { $0.messageType.hasSuffix(".Ping") })
            #expect(route.handlers.map(\.handler) == ["PingA", "PingB", "PingC"])
            #expect(route.handlers.map(\.endpoint) == [nil, "q", nil])
        }
    }

    @Test(
        "a per-type route overrides a module route, whatever their order in the configuration",
        arguments: [false, true])
    func perTypeRouteWins(typeRouteFirst: Bool) async throws {
        let probe = Probe()
        let typeRule = route(Ping.self).to("typed")
        let moduleRule = routeModule(ModA.self).eventsTo("modular")
        let config = MessagingConfig(
            endpoints: [.localQueue("typed"), .localQueue("modular")],
            routing: typeRouteFirst ? [typeRule, moduleRule] : [moduleRule, typeRule])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingA.init).bindEvent(Pong.self, PongA.init)])
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) {
                try await publish(app, Ping(n: 1))
                try await publish(app, Pong(n: 2))
            }
            let endpoints = Dictionary(uniqueKeysWithValues: session.handled.map { ($0.handler, $0.endpoint) })
            // Ping has a per-type route; Pong, also bound in ModA, still follows the module route.
            #expect(endpoints == ["PingA": "typed", "PongA": "modular"])
        }
    }

    @Test("send of a routed request goes to the endpoint; nothing runs before send returns")
    func sendRoutedRequest() async throws {
        let probe = Probe()
        let gate = Signal()
        probe.on("JobHandler") { _ in
            if !(await gate.wait()) { probe.record("gate timed out") }
        }
        let config = MessagingConfig(endpoints: [.localQueue("jobs")], routing: [route(Job.self).to("jobs")])
        let modules: [any Module] = [ModA(extensions: [MessagingExtension().bindRequest(Job.self, JobHandler.init)])]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) {
                try await PublisherMarker.$value.withValue("sender") {
                    try await app.withContainer { container in
                        try await container.get((any ISender).self).send(Job(n: 1))
                    }
                }
                #expect(probe.count("JobHandler.done") == 0)
                gate.fire()
            }
            #expect(session.handled.map(\.handler) == ["JobHandler"])
            #expect(session.handled.map(\.endpoint) == ["jobs"])
            #expect(probe.executions(of: "JobHandler").map(\.marker) == [nil])
            #expect(!probe.log.contains("gate timed out"))
        }
    }

    @Test("invoke of a routed request always runs inline and returns the response")
    func invokeRoutedRequestRunsInline() async throws {
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("jobs")], routing: [route(Job.self).to("jobs")])
        let modules: [any Module] = [ModA(extensions: [MessagingExtension().bindRequest(Job.self, JobHandler.init)])]
        try await withApp(modules, probe: probe, config: config) { app in
            let observer = MessageRecorder()
            try await runtime(of: app).addObserver(observer)
            let session = try await trackMessages(app) {
                try await PublisherMarker.$value.withValue("invoker") {
                    try await app.withContainer { container in
                        try await container.get((any ISender).self).invoke(Job(n: 21))
                    }
                }
            }
            #expect(session.result == 42)
            #expect(session.session.handled.map(\.endpoint) == [nil])
            #expect(probe.executions(of: "JobHandler").map(\.marker) == ["invoker"])
            #expect(observer.enqueued.isEmpty)
        }
    }

    @Test("a module route for requests routes send of that module's requests")
    func moduleRequestRoute() async throws {
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("jobs")], routing: [routeModule(ModA.self).requestsTo("jobs")])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindRequest(Job.self, JobHandler.init)]),
            ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)]),
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) {
                try await app.withContainer { container in
                    let bus = try await container.get((any IMessageBus).self)
                    try await bus.send(Job(n: 1))
                    try await bus.publish(Ping(n: 2))
                }
            }
            let endpoints = Dictionary(uniqueKeysWithValues: session.handled.map { ($0.handler, $0.endpoint) })
            let expected: [String: String?] = ["JobHandler": "jobs", "PingB": nil]
            #expect(endpoints == expected)
        }
    }
}
