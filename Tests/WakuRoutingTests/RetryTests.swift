import Foundation
import Testing
import Waku
@testable import WakuMessaging
import WakuTesting

// Retries on local queues wait off the workers: a failing handler never holds up the deliveries
// behind it, a retry still waiting at stop time is pending work the stop report counts (drained
// or abandoned) and observers hear about, and `ordered` endpoints keep strict FIFO instead.

/// Retries after an hour: a retry that held a worker would block the endpoint for the test.
private let hourlyRetry = ErrorPolicy(maxRetries: 3, initialBackoff: .seconds(3_600), maxBackoff: .seconds(3_600), jitter: 0)

@Suite("Retries off the worker", .timeLimit(.minutes(1)))
struct RetryTests {
    /// PingA always fails; PingB is healthy. Both are routed to "q".
    let failingAndHealthy: [any Module] = [
        ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingA.init)]),
        ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)]),
    ]

    @Test("a failing handler does not hold the single worker: the healthy handler's deliveries all run")
    func failingHandlerDoesNotBlockHealthyOnes() async throws {
        let probe = Probe()
        probe.on("PingA") { execution in throw Boom(code: execution.n) }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", concurrency: 1, stopTimeout: .milliseconds(100), errorPolicy: hourlyRetry)],
            routing: [route(Ping.self).to("q")])
        let app = try await makeApp(failingAndHealthy, probe: probe, config: config)
        try await app.initialize()
        let observer = MessageRecorder()
        try await runtime(of: app).addObserver(observer)
        try await publishAll(app, 0 ..< 100)

        // Had the first failure slept through its backoff on the worker, nothing would run for an hour.
        #expect(await probe.signal("PingB.done").reach(100))
        #expect(await probe.signal("PingA.started").reach(100))
        let endpoint = try #require(try await runtime(of: app).endpoints["q"] as? LocalQueueEndpoint)
        #expect(probe.executions(of: "PingA").count == 100, "each failing delivery ran once and waits for its retry")

        // Every failing delivery waits for its retry at stop time: pending, then abandoned.
        let report = await endpoint.stop()
        #expect(report.abandoned == 100)
        #expect(report.drained == 0)
        #expect(endpoint.retrying == 0)
        let abandoned = observer.finished.filter { $0.outcome == .abandoned }
        #expect(abandoned.count == 100)
        #expect(abandoned.allSatisfy { $0.delivery.handler == "PingA" && $0.delivery.attempts == 1 })
        #expect(observer.finished.filter { $0.outcome == .handled }.count == 100)
        try await app.close()
    }

    @Test("a tracked session waits for a delivery's retries, and ends when a stop abandons them")
    func trackedSessionEndsWhenRetryIsAbandoned() async throws {
        let probe = Probe()
        probe.on("PingA") { execution in throw Boom(code: execution.n) }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", concurrency: 1, stopTimeout: .milliseconds(100), errorPolicy: hourlyRetry)],
            routing: [route(Ping.self).to("q")])
        let app = try await makeApp(failingAndHealthy, probe: probe, config: config)
        try await app.initialize()
        let runtime = try await runtime(of: app)
        let tracking = Task { try await trackMessages(app, timeout: .seconds(30)) { try await publishAll(app, 0 ..< 3) } }
        #expect(await probe.signal("PingA.started").reach(3))
        #expect(await probe.signal("PingB.done").reach(3))
        try await app.close()
        let session = try await tracking.value.session
        #expect(session.handlers(of: Ping.self) == ["PingB", "PingB", "PingB"])
        #expect(session.failed.map(\.willRetry) == [true, true, true])
        #expect(runtime.lastStopReports.first?.abandoned == 3)
    }

    @Test("a retry that comes due within the stop timeout is drained, not abandoned")
    func dueRetryIsDrained() async throws {
        let probe = Probe()
        let failures = Signal()
        probe.on("PingB") { execution in
            if probe.executions(of: "PingB").count == 1 {
                failures.increment()
                throw Boom(code: execution.n)
            }
        }
        let policy = ErrorPolicy(maxRetries: 1, initialBackoff: .milliseconds(200), maxBackoff: .milliseconds(200), jitter: 0)
        let config = MessagingConfig(
            endpoints: [.localQueue("q", concurrency: 2, stopTimeout: .seconds(30), errorPolicy: policy)],
            routing: [route(Ping.self).to("q")])
        let app = try await makeApp([ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])], probe: probe, config: config)
        try await app.initialize()
        try await publishAll(app, 0 ..< 1)
        #expect(await failures.reach(1))
        let endpoint = try #require(try await runtime(of: app).endpoints["q"] as? LocalQueueEndpoint)
        // Handed from the worker to the queue's timer right after the failure.
        while endpoint.retrying == 0 { await Task.yield() }
        #expect(endpoint.inFlight == 0)
        #expect(endpoint.depth == 1)

        // Both workers are idle; the stop still waits for the retry and runs it.
        let report = await endpoint.stop()
        #expect(report.drained == 1)
        #expect(report.abandoned == 0)
        #expect(probe.count("PingB.done") == 1)
        #expect(probe.executions(of: "PingB").count == 2)
        try await app.close()
    }

    @Test("a retry goes back behind what was queued meanwhile; an ordered endpoint retries in place", arguments: [false, true])
    func retryOrder(ordered: Bool) async throws {
        let probe = Probe()
        let gate = Signal()
        probe.on("PingB") { execution in
            probe.record("\(execution.n)")
            if execution.n == 0 { _ = await gate.wait() }
            if execution.n == 1, probe.executions(of: "PingB").filter({ $0.n == 1 }).count == 1 { throw Boom(code: 1) }
        }
        let policy = ErrorPolicy(maxRetries: 1, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(1), jitter: 0)
        let endpoint: EndpointConfig = ordered
            ? .localQueue("q", ordered: true, errorPolicy: policy) : .localQueue("q", concurrency: 1, errorPolicy: policy)
        let config = MessagingConfig(endpoints: [endpoint], routing: [route(Ping.self).to("q")])
        try await withApp(
            [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])], probe: probe, config: config
        ) { app in
            let session = try await track(app) {
                try await publishAll(app, 0 ..< 1)
                #expect(await probe.signal("PingB.started").reach(1))
                // Queued while 0 holds the worker: the worker then takes 1, 2 and 3 as one batch.
                try await publishAll(app, 1 ..< 4)
                gate.fire()
            }
            #expect(session.failed.count == 1)
            #expect(session.handled.count == 4)
            #expect(probe.log == (ordered ? ["0", "1", "1", "2", "3"] : ["0", "1", "2", "3", "1"]))
        }
    }

    @Test("deliveries waiting for a retry count against the capacity")
    func retriesCountAgainstCapacity() async throws {
        let probe = Probe()
        let gate = Signal()
        probe.on("PingB") { execution in
            if execution.n == 0 { throw Boom(code: 0) }
            if execution.n == 1 { _ = await gate.wait() }
        }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", concurrency: 1, capacity: 2, stopTimeout: .milliseconds(100), whenFull: .fail, errorPolicy: hourlyRetry)],
            routing: [route(Ping.self).to("q")])
        try await withApp(
            [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])], probe: probe, config: config
        ) { app in
            let endpoint = try #require(try await runtime(of: app).endpoints["q"] as? LocalQueueEndpoint)
            try await publishAll(app, 0 ..< 1)
            // 0 failed and waits an hour for its retry; 1 holds the worker; 2 is queued.
            try await publishAll(app, 1 ..< 2)
            #expect(await probe.signal("PingB.started").reach(2))
            #expect(endpoint.retrying == 1)
            try await publishAll(app, 2 ..< 3)
            await #expect(throws: EndpointFull.self) { try await publishAll(app, 3 ..< 4) }
            gate.fire()
        }
    }

    @Test("ordered needs a single worker, and durable endpoints order by group instead: start-up errors")
    func orderedValidation() async throws {
        var wide = EndpointConfig.localQueue("wide", concurrency: 2)
        wide.ordered = true
        var durable = EndpointConfig.durable("stored")
        durable.ordered = true
        let config = MessagingConfig(endpoints: [wide, durable], routing: [route(Ping.self).to("wide")])
        let error = try await startupError([ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])], config: config)
        let issue = try error.issue(of: .routing, mentioning: "'wide'", "ordered with concurrency 2")
        #expect(issue.fix.contains("ordered: true"))
        _ = try error.issue(of: .routing, mentioning: "'stored'", "keep order per group key")
        #expect(EndpointConfig.localQueue("q", ordered: true).concurrency == 1)
        #expect(!EndpointConfig.localQueue("q").ordered)
    }
}
