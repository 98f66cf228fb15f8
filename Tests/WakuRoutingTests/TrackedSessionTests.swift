import Foundation
import Testing
import Waku
@testable import WakuMessaging
import WakuTesting

// `trackMessages` waits until everything a block caused — inline, routed, cascading, retried —
// has ended, and reports it.

/// Checks that every routed delivery is reported as enqueued before it is reported finished:
/// the order ``trackMessages`` relies on to know that work is still pending.
final class ReportOrderObserver: MessageObserver {
    private struct Key: Hashable {
        let messageId: UUID
        let handler: String
    }

    private struct State {
        var open: [Key: Int] = [:]
        var violations: [String] = []
        var finished = 0
    }

    private let state = Locked(State())
    var violations: [String] { state.withLock { $0.violations } }
    var finished: Int { state.withLock { $0.finished } }

    func deliveryEnqueued(_ delivery: Delivery) {
        state.withLock { $0.open[Key(messageId: delivery.envelope.messageId, handler: delivery.handler), default: 0] += 1 }
    }

    func deliveryFinished(_ delivery: Delivery, outcome: DeliveryProcessor.Outcome, error: (any Error)?) {
        state.withLock { state in
            state.finished += 1
            let key = Key(messageId: delivery.envelope.messageId, handler: delivery.handler)
            guard let count = state.open[key], count > 0 else {
                state.violations.append("\(delivery.handler) finished before it was reported enqueued")
                return
            }
            state.open[key] = count - 1
        }
    }
}

/// Records how many deliveries an endpoint held each time a `Pong` delivery was reported enqueued.
final class DepthAtReportObserver: MessageObserver {
    let endpoint: any Endpoint
    private let depths = Locked([Int]())
    var recorded: [Int] { depths.withLock { $0 } }
    init(endpoint: any Endpoint) { self.endpoint = endpoint }

    func deliveryEnqueued(_ delivery: Delivery) {
        guard delivery.envelope.payload is Pong else { return }
        let depth = endpoint.depth
        depths.withLock { $0.append(depth) }
    }
}

@Suite("Tracked sessions", .timeLimit(.minutes(1)))
struct TrackedSessionTests {
    @Test("reports published, handled, failed and dead-lettered, inline and routed")
    func reportsEverything() async throws {
        let probe = Probe()
        probe.on("PingB") { execution in if execution.n == 2 { throw Boom(code: 2) } }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", errorPolicy: fastRetry(1))], routing: [routeModule(ModB.self).eventsTo("q")])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingA.init)]),
            ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)]),
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) {
                try await publish(app, Ping(n: 1))
                try await publish(app, Ping(n: 2))
            }
            #expect(session.published(Ping.self).map(\.n) == [1, 2])
            #expect(session.handlers(of: Ping.self).sorted() == ["PingA", "PingA", "PingB"])
            #expect(session.handled.filter { $0.handler == "PingA" }.allSatisfy { $0.endpoint == nil })
            #expect(session.handled.filter { $0.handler == "PingB" }.map(\.endpoint) == ["q"])
            #expect(session.failed.map(\.attempt) == [1, 2])
            #expect(session.failed.allSatisfy { $0.handler == "PingB" && $0.endpoint == "q" })
            #expect(session.deadLettered.map { ($0.envelope.payload as? Ping)?.n } == [2])
            #expect(session.discarded.isEmpty)
        }
    }

    @Test("follows cascades: a routed handler that publishes another routed event, without sleeps")
    func followsCascades() async throws {
        let probe = Probe()
        probe.on("PongA") { _ in
            // Slower than the parent, so returning early would miss it.
            for _ in 0 ..< 10 { await Task.yield() }
        }
        let config = MessagingConfig(
            endpoints: [.localQueue("first", concurrency: 2), .localQueue("second", concurrency: 2)],
            routing: [route(Ping.self).to("first"), route(Pong.self).to("second")])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingCascade.init).bindEvent(Pong.self, PongA.init)])
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            for round in 0 ..< 20 {
                let session = try await track(app) { try await publish(app, Ping(n: round)) }
                #expect(session.published(Ping.self).map(\.n) == [round])
                #expect(session.published(Pong.self).map(\.n) == [round])
                #expect(session.handled.map(\.handler).sorted() == ["PingCascade", "PongA"])
                let ping = try #require(session.published.first { $0.payload is Ping })
                let pong = try #require(session.published.first { $0.payload is Pong })
                #expect(pong.correlationId == ping.correlationId)
                #expect(pong.causationId == ping.messageId)
                #expect(session.handled.first { $0.handler == "PongA" }?.endpoint == "second")
                #expect(probe.count("PongA.done") == round + 1)
            }
        }
    }

    @Test("waits for retries and reports each failed attempt of a cascade")
    func cascadeWithRetries() async throws {
        let probe = Probe()
        probe.on("PongA") { _ in throw Boom(code: 3) }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", concurrency: 2, errorPolicy: fastRetry(2))],
            routing: [route(Ping.self).to("q"), route(Pong.self).to("q")])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingCascade.init).bindEvent(Pong.self, PongA.init)])
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) { try await publish(app, Ping(n: 1)) }
            #expect(session.handled.map(\.handler) == ["PingCascade"])
            #expect(session.failed.map(\.attempt) == [1, 2, 3])
            #expect(session.deadLettered.map(\.handler) == ["PongA"])
        }
    }

    @Test("never returns early: each delivery is reported enqueued before it is reported finished")
    func enqueueIsReportedBeforeFinish() async throws {
        let probe = Probe()
        let config = MessagingConfig(
            endpoints: [.localQueue("q", concurrency: 4)], routing: [route(Ping.self).to("q"), route(Pong.self).to("q")])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingCascade.init).bindEvent(Pong.self, PongA.init)])
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            let order = ReportOrderObserver()
            try await runtime(of: app).addObserver(order)
            for round in 0 ..< 50 {
                // Cascades finish on other workers while their parent is still running: if the
                // enqueue were reported after the endpoint accepted it, a fast child could finish
                // first and the tracker would see zero pending work while the parent still runs.
                let session = try await track(app) {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for n in 0 ..< 4 { group.addTask { try await publish(app, Ping(n: round * 10 + n)) } }
                        try await group.waitForAll()
                    }
                }
                #expect(session.handled.count == 8)
            }
            #expect(order.violations.isEmpty)
            #expect(order.finished == 400)
        }
    }

    @Test("a delivery is reported enqueued before its endpoint holds it, so no worker can finish it first")
    func enqueueReportedBeforeTheEndpointHasIt() async throws {
        let probe = Probe()
        // One worker, busy with the parent Ping while it publishes the Pong: were the Pong reported
        // after the endpoint accepted it, the report would see it waiting in the queue.
        let config = MessagingConfig(
            endpoints: [.localQueue("q", concurrency: 1)], routing: [route(Ping.self).to("q"), route(Pong.self).to("q")])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingCascade.init).bindEvent(Pong.self, PongA.init)])
        ]
        try await withApp(modules, probe: probe, config: config) { app in
            let runtime = try await runtime(of: app)
            let observer = DepthAtReportObserver(endpoint: try #require(runtime.endpoints["q"]))
            runtime.addObserver(observer)
            for n in 0 ..< 5 {
                // One at a time: when the Pong is reported, nothing else is queued.
                let session = try await track(app) { try await publish(app, Ping(n: n)) }
                #expect(session.handled.count == 2)
            }
            #expect(observer.recorded == [0, 0, 0, 0, 0])
        }
    }

    @Test("only tracks what the block caused, not concurrent unrelated work")
    func ignoresUnrelatedWork() async throws {
        let probe = Probe()
        let gate = Signal()
        probe.on("PingB") { execution in
            if execution.n == 0 { _ = await gate.wait() }
        }
        let config = MessagingConfig(endpoints: [.localQueue("q", concurrency: 2)], routing: [route(Ping.self).to("q")])
        let modules: [any Module] = [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])]
        try await withApp(modules, probe: probe, config: config) { app in
            try await publish(app, Ping(n: 0))  // untracked, stays in flight
            #expect(await probe.signal("PingB.started").reach(1))
            let session = try await track(app) { try await publish(app, Ping(n: 1)) }
            #expect(session.published(Ping.self).map(\.n) == [1])
            #expect(session.handled.compactMap { ($0.envelope.payload as? Ping)?.n } == [1])
            gate.fire()
        }
    }

    @Test("times out with TrackingTimeout when tracked work does not finish")
    func timesOut() async throws {
        let probe = Probe()
        let gate = Signal()
        probe.on("PingB") { _ in _ = await gate.wait() }
        let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [route(Ping.self).to("q")])
        let modules: [any Module] = [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])]
        try await withApp(modules, probe: probe, config: config) { app in
            let error = await #expect(throws: TrackingTimeout.self) {
                _ = try await trackMessages(app, timeout: .milliseconds(50)) { try await publish(app, Ping(n: 1)) }
            }
            #expect(error?.pending == 1)
            #expect(error?.deliveries.count == 1)
            #expect(error?.description.contains("PingB on q for message") == true)
            gate.fire()
        }
    }

    @Test("a delivery that ends without having begun in the session does not end the wait early")
    func strayEndIsIgnored() async throws {
        let probe = Probe()
        let gate = Signal()
        probe.on("PingB") { _ in _ = await gate.wait() }
        let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [route(Ping.self).to("q")])
        let modules: [any Module] = [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])]
        try await withApp(modules, probe: probe, config: config) { app in
            let runtime = try await runtime(of: app)
            let recorder = MessageRecorder()
            runtime.addObserver(recorder)
            // The held delivery is still pending when the timeout expires, whatever else ends.
            let error = await #expect(throws: TrackingTimeout.self) {
                _ = try await trackMessages(app, timeout: .milliseconds(200)) {
                    try await publish(app, Ping(n: 1))
                    #expect(await probe.signal("PingB.started").reach(1))
                    // An end reported for a delivery of the same message the session never saw
                    // begin, as a durable row replayed from the store would be.
                    let running = try #require(recorder.enqueued.first)
                    let stray = Delivery(envelope: running.envelope, target: running.target, endpoint: "elsewhere")
                    runtime.observe { $0.deliveryFinished(stray, outcome: .handled, error: nil) }
                }
            }
            #expect(error?.pending == 1)
            gate.fire()
        }
    }
}
