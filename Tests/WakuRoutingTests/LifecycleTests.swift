import Foundation
import Logging
import ServiceLifecycle
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Endpoints start after app init and stop at close: dispatches outside that window fail clearly,
// close drains queued and in-flight deliveries, and a stop that exceeds its timeout reports
// what it abandoned and still returns.

/// Opens a signal once app initialization has finished. As a root extension it runs after the
/// messaging module's hook, so the endpoints have started.
struct AfterInitHook: AfterApplicationInit {
    let signal: Signal
    func afterAppInit(_ app: WakuApplication) async throws { signal.fire() }
}

/// Runs `action` when the root module is destroyed: the first step of close, before the
/// endpoints stop.
struct DestroyHook: OnModuleDestroy {
    let action: @Sendable () -> Void
    func onModuleDestroy(_ module: ModuleMetadata, app: WakuApplication) async throws { action() }
}

/// A custom endpoint that fires `gate` as its stop begins, then stops the wrapped local queue.
final class GateOpeningEndpoint: Endpoint {
    let inner: LocalQueueEndpoint
    let gate = Signal()
    init(_ inner: LocalQueueEndpoint) { self.inner = inner }
    var name: String { inner.name }
    var depth: Int { inner.depth }
    var inFlight: Int { inner.inFlight }
    func start(processor: DeliveryProcessor) async throws { try await inner.start(processor: processor) }
    func enqueue(_ delivery: Delivery) async throws { try await inner.enqueue(delivery) }
    func stop() async -> EndpointStopReport {
        gate.fire()
        return await inner.stop()
    }
}

/// A custom endpoint that opens `stopped` once the wrapped local queue has stopped.
final class StopSignallingEndpoint: Endpoint {
    let inner: LocalQueueEndpoint
    let stopped = Signal()
    init(_ inner: LocalQueueEndpoint) { self.inner = inner }
    var name: String { inner.name }
    var depth: Int { inner.depth }
    var inFlight: Int { inner.inFlight }
    func start(processor: DeliveryProcessor) async throws { try await inner.start(processor: processor) }
    func enqueue(_ delivery: Delivery) async throws { try await inner.enqueue(delivery) }
    func stop() async -> EndpointStopReport {
        let report = await inner.stop()
        stopped.fire()
        return report
    }
}

/// Captures log records, for loggers handed to a component directly (never bootstrapped).
final class LogSink: Sendable {
    struct Record: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata
    }

    private let records = Locked([Record]())
    var all: [Record] { records.withLock { $0 } }
    func append(_ record: Record) { records.withLock { $0.append(record) } }

    var logger: Logger { Logger(label: "test.capture") { _ in CapturingLogHandler(sink: self) } }
}

struct CapturingLogHandler: LogHandler {
    let sink: LogSink
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        sink.append(.init(
            level: event.level, message: event.message.description,
            metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
    }
}

@Suite("Endpoint lifecycle", .timeLimit(.minutes(1)))
struct LifecycleTests {
    let pingInB: [any Module] = [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])]
    let jobInA: [any Module] = [ModA(extensions: [MessagingExtension().bindRequest(Job.self, JobHandler.init)])]

    @Test("a routed dispatch before app init fails with EndpointNotStarted")
    func beforeInit() async throws {
        let probe = Probe()
        let config = MessagingConfig(
            endpoints: [.localQueue("q")], routing: [route(Ping.self).to("q"), route(Job.self).to("q")])
        let app = try await makeApp(pingInB + jobInA, probe: probe, config: config)
        let error = await #expect(throws: EndpointNotStarted.self) { try await publish(app, Ping(n: 1)) }
        #expect(error?.endpoint == "q")
        #expect(error.map(String.init(describing:))?.contains("initialize") == true)
        await #expect(throws: EndpointNotStarted.self) {
            try await app.withContainer { try await $0.get((any ISender).self).send(Job(n: 1)) }
        }
        #expect(probe.executions.isEmpty)
        try await app.close()
    }

    @Test("a routed dispatch after close finished fails with EndpointStopped, never a silent drop")
    func afterClose() async throws {
        let probe = Probe()
        let config = MessagingConfig(
            endpoints: [.localQueue("q")], routing: [route(Ping.self).to("q"), route(Job.self).to("q")])
        let app = try await makeApp(pingInB + jobInA, probe: probe, config: config)
        try await app.initialize()
        try await app.withContainer { scope in
            let bus = try await scope.get((any IMessageBus).self)
            try await app.close()

            let error = await #expect(throws: EndpointStopped.self) { try await bus.publish(Ping(n: 1)) }
            #expect(error?.endpoint == "q")
            #expect(error?.messageType == MessageTypeName.of(Ping.self))
            await #expect(throws: EndpointStopped.self) { try await bus.send(Job(n: 1)) }
        }
        #expect(probe.executions.isEmpty)
    }

    @Test("a routed dispatch while close is draining fails with EndpointStopped")
    func duringClose() async throws {
        let probe = Probe()
        let late = StopSignallingEndpoint(LocalQueueEndpoint(.localQueue("late")))
        // The in-flight PingCascade waits until the "late" endpoint has stopped, then publishes
        // a Pong routed there; close is still draining "q", waiting for this very handler.
        probe.on("PingCascade") { _ in
            if !(await late.stopped.wait()) { probe.record("never saw the stop") }
        }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", stopTimeout: .seconds(30), errorPolicy: fastRetry(0))],
            routing: [route(Ping.self).to("q"), route(Pong.self).to("late")],
            customEndpoints: [late])
        let modules: [any Module] = [
            ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingCascade.init).bindEvent(Pong.self, PongA.init)])
        ]
        let app = try await makeApp(modules, probe: probe, config: config)
        try await app.initialize()
        let runtime = try await runtime(of: app)
        let observer = MessageRecorder()
        runtime.addObserver(observer)
        try await publish(app, Ping(n: 1))
        #expect(await probe.signal("PingCascade.started").reach(1))
        try await app.close()

        #expect(probe.log.isEmpty)
        let failure = try #require(observer.failures.first)
        let stopped = try #require(failure.error as? EndpointStopped)
        #expect(stopped.endpoint == "late")
        #expect(stopped.messageType == MessageTypeName.of(Pong.self))
        #expect(probe.executions(of: "PongA").isEmpty)
        // The failed cascade is not lost silently: it is in the dead-letter store.
        #expect(try await runtime.deadLetters.list().map(\.handler) == ["PingCascade"])
    }

    @Test("close drains every queued and in-flight delivery within the stop timeout")
    func closeDrains() async throws {
        let probe = Probe()
        let gate = Signal()
        probe.on("PingB") { _ in
            // Nothing finishes before close starts; then each takes a few suspensions.
            if !(await gate.wait()) { probe.record("gate timed out") }
            for _ in 0 ..< 3 { await Task.yield() }
        }
        let config = MessagingConfig(
            endpoints: [.localQueue("slow", concurrency: 2, stopTimeout: .seconds(30))], routing: [route(Ping.self).to("slow")])
        let app = try await makeApp(pingInB, probe: probe, config: config, hooks: [DestroyHook { gate.fire() }])
        try await app.initialize()
        try await publishAll(app, 0 ..< 100)
        #expect(probe.count("PingB.done") == 0)
        let endpoint = try #require(try await runtime(of: app).endpoints["slow"])
        #expect(endpoint.depth + endpoint.inFlight == 100)

        try await app.close()
        #expect(probe.count("PingB.done") == 100)
        #expect(Set(probe.executions(of: "PingB").map(\.n)) == Set(0 ..< 100))
        #expect(probe.log.isEmpty)
        #expect(endpoint.depth == 0 && endpoint.inFlight == 0)
    }

    @Test("stop drains and reports what it finished")
    func stopReportAfterDrain() async throws {
        let probe = Probe()
        let gate = Signal()
        probe.on("PingB") { _ in _ = await gate.wait() }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", stopTimeout: .seconds(30))], routing: [route(Ping.self).to("q")])
        let app = try await makeApp(pingInB, probe: probe, config: config)
        try await app.initialize()
        try await publishAll(app, 0 ..< 5)
        #expect(await probe.signal("PingB.started").reach(1))
        let endpoint = try #require(try await runtime(of: app).endpoints["q"])
        async let report = endpoint.stop()
        gate.fire()
        let finished = await report
        #expect(finished.endpoint == "q")
        #expect(finished.drained == 5)
        #expect(finished.abandoned == 0)
        #expect(probe.count("PingB.done") == 5)
        try await app.close()
    }

    @Test("producers still waiting for room when stop begins are refused, not counted as drained")
    func stopReportExcludesRefusedProducers() async throws {
        let probe = Probe()
        let gate = Signal()
        probe.on("PingB") { _ in _ = await gate.wait() }
        let config = MessagingConfig(
            endpoints: [.localQueue("narrow", concurrency: 1, capacity: 1, stopTimeout: .seconds(30))],
            routing: [route(Ping.self).to("narrow")])
        let app = try await makeApp(pingInB, probe: probe, config: config)
        try await app.initialize()
        // One delivery running (blocked on the gate), one buffered: the queue is full.
        try await publishAll(app, 0 ..< 2)
        #expect(await probe.signal("PingB.started").reach(1))
        let endpoint = try #require(try await runtime(of: app).endpoints["narrow"])
        // Two more publishers wait for room (backpressure).
        let waiting = (2 ..< 4).map { n in
            Task { try await publishAll(app, n ..< n + 1) }
        }
        while endpoint.depth < 3 { try await Task.sleep(for: .milliseconds(1)) }

        async let report = endpoint.stop()
        for task in waiting {
            await #expect(throws: EndpointStopped.self) { try await task.value }
        }
        gate.fire()
        let finished = await report
        #expect(finished.drained == 2)
        #expect(finished.abandoned == 0)
        #expect(probe.count("PingB.done") == 2)
        try await app.close()
    }

    @Test(
        "when the stop timeout is exceeded, stop reports the abandoned deliveries and close still returns",
        arguments: [true, false])
    func stopTimeoutExceeded(cooperative: Bool) async throws {
        let probe = Probe()
        let gate = Signal()
        probe.on("PingB") { _ in
            if cooperative {
                // Returns false when the stop cancels the worker: the attempt then fails.
                if !(await gate.wait(timeout: .seconds(600))) { throw CancellationError() }
            } else {
                await gate.waitIgnoringCancellation()
            }
        }
        let config = MessagingConfig(
            endpoints: [.localQueue("stuck", concurrency: 1, stopTimeout: .milliseconds(100))], routing: [route(Ping.self).to("stuck")])
        let app = try await makeApp(pingInB, probe: probe, config: config)
        try await app.initialize()
        try await publishAll(app, 0 ..< 3)
        #expect(await probe.signal("PingB.started").reach(1))

        let endpoint = try #require(try await runtime(of: app).endpoints["stuck"])
        let report = await endpoint.stop()
        #expect(report.endpoint == "stuck")
        #expect(report.abandoned == 3)
        #expect(report.drained == 0)
        try await app.close()
        #expect(probe.count("PingB.done") == 0)
        #expect(probe.executions(of: "PingB").count == 1)
        gate.fire()  // release the handler that ignored cancellation
    }

    @Test("a delivery that finishes in a timed-out stop's grace period counts as drained, not abandoned")
    func stopTimeoutGracePeriodDrains() async throws {
        let probe = Probe()
        let gate = Signal()
        let cancelled = Signal()
        probe.on("PingB") { execution in
            guard execution.n == 0 else { return }
            // Ignores the stop's cancellation, but says when it arrives.
            await withTaskCancellationHandler {
                await gate.waitIgnoringCancellation()
            } onCancel: {
                cancelled.fire()
            }
        }
        let config = MessagingConfig(
            endpoints: [.localQueue("slow", concurrency: 1, stopTimeout: .milliseconds(100))], routing: [route(Ping.self).to("slow")])
        let app = try await makeApp(pingInB, probe: probe, config: config)
        try await app.initialize()
        try await publishAll(app, 0 ..< 1)
        #expect(await probe.signal("PingB.started").reach(1))
        try await publishAll(app, 1 ..< 3)
        let endpoint = try #require(try await runtime(of: app).endpoints["slow"])

        // The stop times out, empties the queue and cancels the worker; the running handler
        // then finishes within the second stop timeout it is given.
        let opener = Task {
            if await cancelled.wait() { gate.fire() }
        }
        let report = await endpoint.stop()
        await opener.value
        #expect(report.abandoned == 2)
        #expect(report.drained == 1)
        #expect(probe.count("PingB.done") == 1)
        try await app.close()
    }

    @Test("a timed-out stop counts the deliveries in a worker's batch as abandoned, and never runs them")
    func stopTimeoutAbandonsBatch() async throws {
        let probe = Probe()
        let first = Signal()
        let rest = Signal()
        probe.on("PingB") { execution in
            // Returns false when the stop cancels the worker: the attempt then fails.
            let opened = execution.n == 0 ? await first.wait(timeout: .seconds(600)) : await rest.wait(timeout: .seconds(600))
            if !opened { throw CancellationError() }
        }
        let config = MessagingConfig(
            endpoints: [.localQueue("stuck", concurrency: 1, stopTimeout: .milliseconds(100))], routing: [route(Ping.self).to("stuck")])
        let app = try await makeApp(pingInB, probe: probe, config: config)
        try await app.initialize()
        try await publishAll(app, 0 ..< 1)
        #expect(await probe.signal("PingB.started").reach(1))
        let endpoint = try #require(try await runtime(of: app).endpoints["stuck"])
        // Queued behind the running delivery; once it ends, the worker takes all three at once.
        try await publishAll(app, 1 ..< 4)
        #expect(endpoint.depth == 3)
        first.fire()
        #expect(await probe.signal("PingB.started").reach(2))
        #expect(endpoint.depth == 0)
        #expect(endpoint.inFlight == 3)

        let report = await endpoint.stop()
        #expect(report.abandoned == 3)
        #expect(report.drained == 0)
        try await app.close()
        #expect(probe.executions(of: "PingB").map(\.n) == [0, 1])
        #expect(probe.count("PingB.done") == 1)
        #expect(endpoint.inFlight == 0)
    }

    @Test("an exceeded stop timeout is logged with the abandoned count, and close returns")
    func stopTimeoutLogged() async throws {
        let probe = Probe()
        let gate = Signal()
        probe.on("PingB") { _ in await gate.waitIgnoringCancellation() }
        let sink = LogSink()
        let endpoint = LocalQueueEndpoint(.localQueue("stuck", stopTimeout: .milliseconds(100)), logger: sink.logger)
        let config = MessagingConfig(routing: [route(Ping.self).to("stuck")], customEndpoints: [endpoint])
        let app = try await makeApp(pingInB, probe: probe, config: config)
        try await app.initialize()
        try await publishAll(app, 0 ..< 4)
        #expect(await probe.signal("PingB.started").reach(1))
        try await app.close()

        let record = try #require(sink.all.first { $0.message.contains("undelivered") })
        #expect(record.level == .error)
        #expect(record.metadata["waku.endpoint"]?.description == "stuck")
        #expect(record.metadata["waku.abandoned"]?.description == "4")
        gate.fire()
    }

    @Test("runs inside a ServiceGroup: graceful shutdown drains routed deliveries")
    func serviceGroupGracefulShutdown() async throws {
        let probe = Probe()
        let gate = Signal()
        let started = Signal()
        probe.on("PingB") { _ in
            if !(await gate.wait()) { probe.record("gate timed out") }
            await Task.yield()
        }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", concurrency: 2, stopTimeout: .seconds(30))], routing: [route(Ping.self).to("q")])
        let app = try await makeApp(
            pingInB, probe: probe, config: config, hooks: [AfterInitHook(signal: started), DestroyHook { gate.fire() }])
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], logger: app.logger))

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await started.wait())
            try await publishAll(app, 0 ..< 50)
            #expect(probe.count("PingB.done") == 0)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(probe.count("PingB.done") == 50)
        #expect(probe.log.isEmpty)
        #expect(!app.isInitialized)
        // A closed application opens no more scopes, so nothing can reach its stopped endpoints.
        await #expect(throws: ApplicationClosedError.self) { try await publish(app, Ping(n: 99)) }
    }

    @Test("after close, the stop reports are read from app.messagingRuntime, not through the closed container")
    func stopReportsAfterClose() async throws {
        let probe = Probe()
        // Held until the endpoint's stop begins (opened just before it closes the queue), so the
        // stop drains all three: opened at an earlier step of close, they could all finish first.
        let endpoint = GateOpeningEndpoint(LocalQueueEndpoint(.localQueue("q", stopTimeout: .seconds(30))))
        probe.on("PingB") { _ in _ = await endpoint.gate.wait() }
        let config = MessagingConfig(routing: [route(Ping.self).to("q")], customEndpoints: [endpoint])
        let app = try await makeApp(pingInB, probe: probe, config: config)
        #expect(app.messagingRuntime?.lastStopReports.isEmpty == true)
        try await app.initialize()
        try await publishAll(app, 0 ..< 3)
        try await app.close()
        await #expect(throws: ResolutionError.self) { _ = try await app.container.get(MessagingRuntime.self) }
        let runtime = try #require(app.messagingRuntime)
        #expect(runtime.lastStopReports.map(\.endpoint) == ["q"])
        // The gate opened as the stop began, so all three were still pending then.
        #expect(runtime.lastStopReports.first?.abandoned == 0, "\(runtime.lastStopReports)")
        #expect(runtime.lastStopReports.first?.drained == 3, "\(runtime.lastStopReports)")
        #expect(probe.count("PingB.done") == 3)
    }

    @Test("an application without MessagingModule has no messaging runtime")
    func noRuntimeWithoutMessaging() async throws {
        struct Plain: Module {}
        let app = try await WakuFactory(Plain()).create()
        #expect(app.messagingRuntime == nil)
    }
}
