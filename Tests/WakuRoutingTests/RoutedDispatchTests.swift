import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// How a publish is split: inline handlers first, then one delivery per routed handler; how a
// routed execution runs: its own request scope, the publish's context restored, behaviors applied.

/// Counts deliveries accepted for each message id, so an inline handler can check that no routed
/// delivery of its message was enqueued before it ran.
final class EnqueueCounter: MessageObserver {
    private let counts = Locked([UUID: Int]())
    func deliveryEnqueued(_ delivery: Delivery) { counts.withLock { $0[delivery.envelope.messageId, default: 0] += 1 } }
    func count(for messageId: UUID) -> Int { counts.withLock { $0[messageId, default: 0] } }
}

@Suite("Routed dispatch", .timeLimit(.minutes(1)))
struct RoutedDispatchTests {
    @Test("publish runs inline handlers first, then enqueues one delivery per routed handler")
    func inlineFirstThenOneDeliveryPerRoutedHandler() async throws {
        let probe = Probe()
        let counter = EnqueueCounter()
        // The inline handlers run before any delivery of their message is enqueued.
        for inline in ["PingA", "PingC"] {
            probe.on(inline) { execution in
                let id = try #require(execution.context?.messageId)
                probe.record("\(inline) saw \(counter.count(for: id)) enqueued")
            }
        }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", concurrency: 2)],
            routing: [routeModule(ModB.self).eventsTo("q")])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingA.init)]),
            ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init).bindEvent(Ping.self, PingScoped.init)]),
            ModC(extensions: [MessagingExtension().bindEvent(Ping.self, PingC.init)]),
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            try await runtime(of: app).addObserver(counter)
            let observer = MessageRecorder()
            try await runtime(of: app).addObserver(observer)
            let session = try await track(app) { try await publish(app, Ping(n: 1)) }
            #expect(probe.log == ["PingA saw 0 enqueued", "PingC saw 0 enqueued"])
            let messageId = try #require(session.published.first?.messageId)
            #expect(counter.count(for: messageId) == 2)
            #expect(observer.enqueued.map(\.handler).sorted() == ["PingB", "PingScoped"])
            #expect(observer.enqueued.allSatisfy { $0.endpoint == "q" && $0.envelope.messageId == messageId })
            #expect(session.handled.count == 4)
        }
    }

    @Test("one failing routed handler does not affect another routed handler of the same event")
    func routedFailuresAreIndependent() async throws {
        let probe = Probe()
        probe.on("PingA") { _ in throw Boom(code: 1) }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", errorPolicy: fastRetry(1))],
            routing: [route(Ping.self).to("q")])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingA.init)]),
            ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)]),
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) { try await publish(app, Ping(n: 7)) }
            #expect(session.handled.map(\.handler) == ["PingB"])
            #expect(session.failed.map(\.handler) == ["PingA", "PingA"])
            #expect(session.deadLettered.map(\.handler) == ["PingA"])
            #expect(probe.count("PingB.done") == 1)
            #expect(probe.executions(of: "PingA").count == 2)
            let letters = try await runtime(of: app).deadLetters.list()
            #expect(letters.map(\.handler) == ["PingA"])
        }
    }

    @Test("an inline handler failing stops publish before routed handlers are enqueued")
    func inlineFailureStopsBeforeEnqueue() async throws {
        let probe = Probe()
        probe.on("PingA") { _ in throw Boom(code: 2) }
        let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [routeModule(ModB.self).eventsTo("q")])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingA.init)]),
            ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)]),
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            let observer = MessageRecorder()
            try await runtime(of: app).addObserver(observer)
            await #expect(throws: Boom(code: 2)) { try await publish(app, Ping(n: 1)) }
            #expect(observer.enqueued.isEmpty)
            #expect(probe.executions(of: "PingB").isEmpty)
        }
    }

    @Test("a routed handler runs in a fresh request scope, not the publisher's")
    func routedHandlerGetsItsOwnScope() async throws {
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [routeModule(ModB.self).eventsTo("q")])
        // The same handler type cannot be bound twice to one event, so the inline control is a
        // second event: both handlers take the scoped token.
        let modules: [any Module] = [
            ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingScoped.init)]),
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            var publisherSerial = 0
            _ = try await track(app) {
                try await app.withContainer { container in
                    publisherSerial = try await container.get(ScopeToken.self).serial
                    // The same scope resolves the same token again: the comparison is meaningful.
                    #expect(try await container.get(ScopeToken.self).serial == publisherSerial)
                    try await container.get((any IPublisher).self).publish(Ping(n: 1))
                }
            }
            let routed = try #require(probe.executions(of: "PingScoped").first?.scope)
            #expect(routed != publisherSerial)
            #expect(probe.count("ScopeToken") == 2)
        }
    }

    @Test("an inline handler shares the publisher's scope (control for the routed-scope test)")
    func inlineHandlerSharesScope() async throws {
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("q")])
        let modules: [any Module] = [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingScoped.init)])]
        try await withApp(modules, probe: probe, config: config) { app in
            var publisherSerial = 0
            try await app.withContainer { container in
                publisherSerial = try await container.get(ScopeToken.self).serial
                try await container.get((any IPublisher).self).publish(Ping(n: 1))
            }
            #expect(probe.executions(of: "PingScoped").first?.scope == publisherSerial)
        }
    }

    @Test("a routed handler sees the publish's context: same message id, inherited correlation, causation")
    func routedContextIsRestored() async throws {
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [routeModule(ModB.self).eventsTo("q")])
        let modules: [any Module] = [
            ModA(extensions: [
                MessagingExtension().bindRequest(Kickoff.self, KickoffHandler.init).bindEvent(Ping.self, PingA.init)
            ]),
            ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)]),
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) {
                try await app.withContainer { container in
                    try await container.get((any ISender).self).invoke(Kickoff(n: 1))
                }
            }
            let kickoff = try #require(probe.executions(of: "KickoffHandler").first?.context)
            let inline = try #require(probe.executions(of: "PingA").first?.context)
            let routed = try #require(probe.executions(of: "PingB").first?.context)
            // The publish's own id, shared by the inline and the routed handler.
            #expect(routed.messageId == inline.messageId)
            #expect(routed.messageId != kickoff.messageId)
            #expect(routed.correlationId == kickoff.correlationId)
            #expect(routed.causationId == kickoff.messageId)
            #expect(routed.messageType == MessageTypeName.of(Ping.self))
            #expect(session.published.map(\.messageId) == [kickoff.messageId, routed.messageId])
        }
    }

    @Test("a root publish's routed handler sees correlation and causation equal to the message id")
    func rootContext() async throws {
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [route(Ping.self).to("q")])
        let modules: [any Module] = [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) { try await publish(app, Ping(n: 1)) }
            let published = try #require(session.published.first)
            let context = try #require(probe.executions(of: "PingB").first?.context)
            #expect(context.messageId == published.messageId)
            #expect(context.correlationId == published.messageId)
            #expect(context.causationId == published.messageId)
            // Outside a dispatch there is no context, also after the routed run.
            #expect(MessageContext.current == nil)
        }
    }

    @Test("pipeline behaviors wrap routed executions, with the routed context")
    func behaviorsApplyToRoutedExecutions() async throws {
        let probe = Probe()
        probe.on("PingB") { execution in probe.record("PingB \(execution.context?.messageId.uuidString ?? "-")") }
        let config = MessagingConfig(
            pipelineBehaviors: [RecordingBehavior.self],
            endpoints: [.localQueue("q")], routing: [route(Ping.self).to("q")])
        let modules: [any Module] = [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) { try await publish(app, Ping(n: 1)) }
            let id = try #require(session.published.first?.messageId)
            #expect(probe.log == ["behavior> Ping \(id)", "PingB \(id.uuidString)", "behavior< Ping \(id)"])
        }
    }

    @Test("a per-event behavior bound with the handler also wraps the routed execution")
    func perEventBehaviorAppliesToRoutedExecutions() async throws {
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [route(Ping.self).to("q")])
        let modules: [any Module] = [
            ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init, behaviors: [RecordingBehavior.self])])
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) { try await publish(app, Ping(n: 1)) }
            let id = try #require(session.published.first?.messageId)
            #expect(probe.log == ["behavior> Ping \(id)", "behavior< Ping \(id)"])
            #expect(session.handled.map(\.endpoint) == ["q"])
        }
    }

    @Test("events published through EventDispatcher (erased static type) are routed too")
    func erasedPublishIsRouted() async throws {
        final class Aggregate: AggregateRoot {
            let events = DomainEvents()
            func collectEvents() -> [any IEvent] { events.collect() }
        }
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [route(Ping.self).to("q")])
        let modules: [any Module] = [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])]
        try await withApp(modules, probe: probe, config: config) { app in
            let aggregate = Aggregate()
            aggregate.events.record(Ping(n: 1))
            aggregate.events.record(Ping(n: 2))
            let session = try await track(app) {
                try await app.withContainer { container in
                    try await container.get(EventDispatcher.self).dispatch(aggregate)
                }
            }
            #expect(session.handled.map(\.endpoint) == ["q", "q"])
            #expect(probe.executions(of: "PingB").map(\.n) == [1, 2])
        }
    }

    // With no observer and no tracer, a dispatch whose handlers are all routed hands the
    // deliveries the envelope's fields and each worker builds the envelope; these tests run
    // without `track`, which observes, so they cover that path.

    @Test("unobserved: every routed handler of a publish sees the same ids, type, time and payload")
    func unobservedRoutedEnvelope() async throws {
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("q", concurrency: 2)], routing: [route(Ping.self).to("q")])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindRequest(Kickoff.self, KickoffHandler.init)]),
            ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init).bindEvent(Ping.self, PingC.init)]),
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            #expect(try await runtime(of: app).defersEnvelopes)
            let before = Date()
            try await app.withContainer { container in
                try await container.get((any ISender).self).invoke(Kickoff(n: 7))
            }
            let after = Date()
            #expect(await probe.signal("PingB.done").wait())
            #expect(await probe.signal("PingC.done").wait())
            let kickoff = try #require(probe.executions(of: "KickoffHandler").first?.context)
            let b = try #require(probe.executions(of: "PingB").first?.context)
            let c = try #require(probe.executions(of: "PingC").first?.context)
            #expect(b.messageId == c.messageId)
            #expect(b.messageId != kickoff.messageId)
            #expect(b.correlationId == kickoff.correlationId)
            #expect(b.causationId == kickoff.messageId)
            #expect(c.correlationId == kickoff.correlationId)
            #expect(c.causationId == kickoff.messageId)
            #expect(b.messageType == MessageTypeName.of(Ping.self))
            #expect(b.envelope.timestamp == c.envelope.timestamp)
            #expect(b.envelope.timestamp >= before && b.envelope.timestamp <= after)
            #expect((b.envelope.payload as? Ping)?.n == 7)
            #expect((c.envelope.payload as? Ping)?.n == 7)
            #expect(b.headers.isEmpty)
        }
    }

    @Test("unobserved: a root publish's routed handler gets its ids and the dispatch's headers")
    func unobservedRootPublishHeaders() async throws {
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [route(Ping.self).to("q")])
        let modules: [any Module] = [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])]
        try await withApp(modules, probe: probe, config: config) { app in
            #expect(try await runtime(of: app).defersEnvelopes)
            try await app.withContainer { container in
                try await container.get((any IPublisher).self).publish(Ping(n: 3), options: DeliveryOptions(headers: ["tenant": "acme"]))
            }
            #expect(await probe.signal("PingB.done").wait())
            let context = try #require(probe.executions(of: "PingB").first?.context)
            #expect(context.correlationId == context.messageId)
            #expect(context.causationId == context.messageId)
            #expect(context.headers == ["tenant": "acme"])
            #expect((context.envelope.payload as? Ping)?.n == 3)
        }
    }

    @Test("unobserved: a root routed send gives its handler the request's ids, type, headers and payload")
    func unobservedRoutedSend() async throws {
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [route(Job.self).to("q")])
        let modules: [any Module] = [ModB(extensions: [MessagingExtension().bindRequest(Job.self, JobHandler.init)])]
        try await withApp(modules, probe: probe, config: config) { app in
            #expect(try await runtime(of: app).defersEnvelopes)
            try await app.withContainer { container in
                try await container.get((any ISender).self).send(Job(n: 5), options: DeliveryOptions(headers: ["k": "v"]))
            }
            #expect(await probe.signal("JobHandler.done").wait())
            let context = try #require(probe.executions(of: "JobHandler").first?.context)
            #expect(context.messageType == MessageTypeName.of(Job.self))
            #expect(context.correlationId == context.messageId)
            #expect(context.headers == ["k": "v"])
            #expect((context.envelope.payload as? Job)?.n == 5)
        }
    }
}
