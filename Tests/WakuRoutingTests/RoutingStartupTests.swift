import Testing
import Waku
import WakuMessaging
import WakuTesting

// Routing configurations that cannot work are start-up errors of kind `.routing`, reported
// before anything runs; sound combinations start.

@Suite("Routing start-up validation", .timeLimit(.minutes(1)))
struct RoutingStartupTests {
    let pingInA: [any Module] = [ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingA.init)])]

    @Test("a route to an unknown endpoint name")
    func unknownEndpoint() async throws {
        let error = try await startupError(
            pingInA, config: MessagingConfig(endpoints: [.localQueue("q")], routing: [route(Ping.self).to("nowhere")]))
        let issue = try error.issue(of: .routing, mentioning: "'nowhere'", "not configured")
        #expect(issue.subject == "nowhere")
        #expect(issue.message.contains("configured: q"))
        #expect(issue.fix.contains(".localQueue(\"nowhere\")"))
    }

    @Test("a route when no endpoint is configured at all")
    func noEndpoints() async throws {
        let error = try await startupError(pingInA, config: MessagingConfig(routing: [routeModule(ModA.self).eventsTo("q")]))
        _ = try error.issue(of: .routing, mentioning: "'q'", "no endpoints are configured")
    }

    @Test("routeModule for a module that binds no handlers")
    func moduleWithoutHandlers() async throws {
        let error = try await startupError(
            pingInA + [EmptyModule()],
            config: MessagingConfig(endpoints: [.localQueue("q")], routing: [routeModule(EmptyModule.self).eventsTo("q")]))
        let issue = try error.issue(of: .routing, mentioning: "routeModule(EmptyModule", "binds no such handlers")
        #expect(issue.modules.contains("EmptyModule"))
    }

    @Test("routeModule for a module that is not part of the application")
    func moduleNotInApp() async throws {
        let error = try await startupError(
            pingInA, config: MessagingConfig(endpoints: [.localQueue("q")], routing: [routeModule(ModC.self).to("q")]))
        _ = try error.issue(of: .routing, mentioning: "routeModule(ModC", "not part of the application")
    }

    @Test("routeModule(...).requestsTo for a module that binds only events")
    func moduleRequestsWithoutRequests() async throws {
        let error = try await startupError(
            pingInA, config: MessagingConfig(endpoints: [.localQueue("q")], routing: [routeModule(ModA.self).requestsTo("q")]))
        _ = try error.issue(of: .routing, mentioning: "routeModule(ModA", "routes requests")
    }

    @Test("a route for a message type with no handlers")
    func typeWithoutHandlers() async throws {
        let error = try await startupError(
            pingInA, config: MessagingConfig(endpoints: [.localQueue("q")], routing: [route(Pong.self).to("q")]))
        let issue = try error.issue(of: .routing, mentioning: "route(Pong", "no handlers")
        #expect(issue.subject == "Pong")
    }

    @Test("routing one message type to two endpoints is a start-up error")
    func typeRoutedTwice() async throws {
        let error = try await startupError(
            pingInA,
            config: MessagingConfig(
                endpoints: [.localQueue("one"), .localQueue("two")],
                routing: [route(Ping.self).to("one"), route(Ping.self).to("two")]))
        _ = try error.issue(of: .routing, mentioning: "Ping", "two endpoints", "'one'", "'two'")
    }

    @Test("routing one module's events to two endpoints is a start-up error")
    func moduleRoutedTwice() async throws {
        let error = try await startupError(
            pingInA,
            config: MessagingConfig(
                endpoints: [.localQueue("one"), .localQueue("two")],
                routing: [routeModule(ModA.self).eventsTo("one"), routeModule(ModA.self).to("two")]))
        _ = try error.issue(of: .routing, mentioning: "events of module ModA", "two endpoints")
    }

    @Test("duplicate endpoint names")
    func duplicateEndpoints() async throws {
        let error = try await startupError(
            pingInA, config: MessagingConfig(endpoints: [.localQueue("q"), .localQueue("q", concurrency: 2)]))
        let issue = try error.issue(of: .routing, mentioning: "Endpoint 'q' is configured twice")
        #expect(issue.subject == "q")
    }

    @Test("a custom endpoint named like a configured one is a duplicate too")
    func duplicateCustomEndpoint() async throws {
        let error = try await startupError(
            pingInA,
            config: MessagingConfig(endpoints: [.localQueue("q")], customEndpoints: [LocalQueueEndpoint(.localQueue("q"))]))
        _ = try error.issue(of: .routing, mentioning: "Endpoint 'q' is configured twice")
    }

    @Test("impossible endpoint settings", arguments: [
        EndpointConfig.localQueue("bad", concurrency: 0),
        EndpointConfig.localQueue("bad", capacity: 0),
        EndpointConfig.localQueue("bad", errorPolicy: ErrorPolicy(maxRetries: -1)),
    ])
    func impossibleSettings(endpoint: EndpointConfig) async throws {
        let error = try await startupError(pingInA, config: MessagingConfig(endpoints: [endpoint]))
        _ = try error.issue(of: .routing, mentioning: "Endpoint 'bad'", "must be at least")
    }

    @Test("every problem is reported together in one error")
    func allIssuesTogether() async throws {
        let error = try await startupError(
            pingInA,
            config: MessagingConfig(
                endpoints: [.localQueue("q", concurrency: 0), .localQueue("q")],
                routing: [route(Ping.self).to("missing"), route(Pong.self).to("q")]))
        #expect(error.issues(of: .routing).count == 4)
        #expect(error.issues.allSatisfy { $0.kind == .routing })
    }

    @Test("sound combinations start: a type route next to a module route, events and requests of one module split")
    func soundCombinationsStart() async throws {
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingA.init).bindRequest(Job.self, JobHandler.init)]),
            ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)]),
        ]
        let config = MessagingConfig(
            endpoints: [.localQueue("events"), .localQueue("requests"), .localQueue("typed")],
            routing: [
                routeModule(ModA.self).eventsTo("events"),
                routeModule(ModA.self).requestsTo("requests"),
                route(Ping.self).to("typed"),
                // The same route twice is harmless.
                route(Ping.self).to("typed"),
            ])
        let app = try await makeApp(modules, probe: Probe(), config: config)
        try await app.run { app in
            let registry = try await app.container.get(MessageRegistry.self)
            let ping = try #require(registry.routes.first { $0.messageType == MessageTypeName.of(Ping.self) })
            #expect(ping.handlers.map(\.endpoint) == ["typed", "typed"])
            let job = try #require(registry.routes.first { $0.messageType == MessageTypeName.of(Job.self) })
            #expect(job.handlers.map(\.endpoint) == ["requests"])
        }
    }
}
