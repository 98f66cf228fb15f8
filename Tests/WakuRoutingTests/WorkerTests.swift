import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Endpoint workers: FIFO with one worker, parallelism with several, backpressure and fail-fast
// when full, surviving failures, and many concurrent publishers.

@Suite("Endpoint workers", .timeLimit(.minutes(1)))
struct WorkerTests {
    let pingInB: [any Module] = [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])]

    @Test("concurrency 1 processes deliveries in FIFO order")
    func singleWorkerIsFIFO() async throws {
        let probe = Probe()
        // A suspension point inside the handler: a second worker would interleave.
        probe.on("PingB") { execution in
            await Task.yield()
            probe.record("\(execution.n)")
        }
        let config = MessagingConfig(endpoints: [.localQueue("fifo", concurrency: 1)], routing: [route(Ping.self).to("fifo")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            let session = try await track(app) { try await publishAll(app, 0 ..< 200) }
            #expect(session.handled.count == 200)
            #expect(probe.log == (0 ..< 200).map(String.init))
        }
    }

    @Test("concurrency 4 runs 4 deliveries at the same time (a barrier one worker could never pass)")
    func fourWorkersRunInParallel() async throws {
        let probe = Probe()
        let barrier = Signal()
        probe.on("PingB") { execution in
            barrier.increment()
            // Every handler waits inside until all four are inside.
            if !(await barrier.reach(4)) { probe.record("barrier timed out in \(execution.n)") }
        }
        let config = MessagingConfig(endpoints: [.localQueue("wide", concurrency: 4)], routing: [route(Ping.self).to("wide")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            let session = try await track(app) { try await publishAll(app, 0 ..< 4) }
            #expect(session.handled.count == 4)
            #expect(probe.log.isEmpty)
            #expect(barrier.value == 4)
        }
    }

    @Test("no more than `concurrency` deliveries run at once")
    func concurrencyIsABound() async throws {
        let probe = Probe()
        let inside = Locked((now: 0, peak: 0))
        probe.on("PingB") { _ in
            inside.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
            for _ in 0 ..< 5 { await Task.yield() }
            inside.withLock { $0.now -= 1 }
        }
        let config = MessagingConfig(endpoints: [.localQueue("two", concurrency: 2)], routing: [route(Ping.self).to("two")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            _ = try await track(app) { try await publishAll(app, 0 ..< 100) }
            #expect(inside.withLock { $0.peak } <= 2)
            #expect(probe.count("PingB.done") == 100)
        }
    }

    @Test("whenFull .wait: a publish to a full endpoint waits until a worker frees space")
    func fullEndpointWaits() async throws {
        let probe = Probe()
        let gate = Signal()
        probe.on("PingB") { _ in
            if !(await gate.wait()) { probe.record("gate timed out") }
        }
        let config = MessagingConfig(
            endpoints: [.localQueue("tight", concurrency: 1, capacity: 2, whenFull: .wait)], routing: [route(Ping.self).to("tight")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            let endpoint = try #require(try await runtime(of: app).endpoints["tight"])
            let session = try await track(app) {
                try await publish(app, Ping(n: 0))
                // The worker holds delivery 0 (blocked on the gate) ...
                #expect(await probe.signal("PingB.started").reach(1))
                // ... and two more fill the queue.
                try await publish(app, Ping(n: 1))
                try await publish(app, Ping(n: 2))
                #expect(endpoint.depth == 2)
                #expect(endpoint.inFlight == 1)

                let waiting = Task {
                    try await publish(app, Ping(n: 3))
                    probe.record("publish 3 returned")
                }
                // The fourth publish is parked as a waiting producer: depth counts it.
                while endpoint.depth < 3 { await Task.yield() }
                #expect(!probe.log.contains("publish 3 returned"))
                probe.record("gate opened")
                gate.fire()
                try await waiting.value
            }
            #expect(Array(probe.log.prefix(2)) == ["gate opened", "publish 3 returned"])
            #expect(session.handled.count == 4)
            #expect(probe.executions(of: "PingB").map(\.n) == [0, 1, 2, 3])
        }
    }

    @Test("whenFull .fail: a publish to a full endpoint throws EndpointFull naming the endpoint")
    func fullEndpointFails() async throws {
        let probe = Probe()
        let gate = Signal()
        probe.on("PingB") { _ in _ = await gate.wait() }
        let config = MessagingConfig(
            endpoints: [.localQueue("strict", concurrency: 1, capacity: 2, whenFull: .fail)], routing: [route(Ping.self).to("strict")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            _ = try await track(app) {
                try await publish(app, Ping(n: 0))
                #expect(await probe.signal("PingB.started").reach(1))
                try await publish(app, Ping(n: 1))
                try await publish(app, Ping(n: 2))
                let error = await #expect(throws: EndpointFull.self) { try await publish(app, Ping(n: 3)) }
                #expect(error?.endpoint == "strict")
                #expect(error?.capacity == 2)
                #expect(error.map(String.init(describing:))?.contains("'strict'") == true)
                gate.fire()
            }
            // The rejected delivery never ran; the accepted ones all did.
            #expect(probe.executions(of: "PingB").map(\.n) == [0, 1, 2])
        }
    }

    @Test("a failing handler never kills a worker: later deliveries on a single worker still run")
    func failuresDoNotKillTheWorker() async throws {
        let probe = Probe()
        probe.on("PingB") { execution in
            if execution.n < 5 { throw Boom(code: execution.n) }
        }
        probe.on("PingA") { _ in throw CancellationError() }
        let config = MessagingConfig(
            endpoints: [.localQueue("solo", concurrency: 1, errorPolicy: fastRetry(1, then: .discard))],
            routing: [route(Ping.self).to("solo")])
        let modules = pingInB + [ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingA.init)])]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) { try await publishAll(app, 0 ..< 10) }
            #expect(session.discarded.count == 5 + 10)
            #expect(session.handled.map(\.envelope).compactMap { ($0.payload as? Ping)?.n } == Array(5 ..< 10))
            #expect(probe.count("PingB.done") == 5)
            // After all those failures the same single worker still takes new work.
            let later = try await track(app) { try await publish(app, Ping(n: 100)) }
            #expect(later.handled.map(\.handler) == ["PingB"])
        }
    }

    @Test("1,000 concurrent publishers to a concurrency-4 endpoint: each message handled exactly once")
    func manyConcurrentPublishers() async throws {
        let probe = Probe()
        let config = MessagingConfig(endpoints: [.localQueue("busy", concurrency: 4)], routing: [route(Ping.self).to("busy")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            let session = try await track(app) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for n in 0 ..< 1_000 {
                        group.addTask { try await publish(app, Ping(n: n)) }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(session.published.count == 1_000)
            #expect(session.handled.count == 1_000)
            #expect(Set(session.handled.map(\.envelope.messageId)).count == 1_000)
            #expect(Set(session.handled.map(\.envelope.messageId)) == Set(session.published.map(\.messageId)))
            let numbers = probe.executions(of: "PingB").map(\.n).sorted()
            #expect(numbers == Array(0 ..< 1_000))
        }
    }

    @Test(
        "backpressure under contention: tiny queues with many waiting producers deliver everything",
        arguments: [(capacity: 1, concurrency: 1), (capacity: 1, concurrency: 3), (capacity: 2, concurrency: 4)])
    func backpressureUnderContention(shape: (capacity: Int, concurrency: Int)) async throws {
        let probe = Probe()
        let config = MessagingConfig(
            endpoints: [.localQueue("narrow", concurrency: shape.concurrency, capacity: shape.capacity, whenFull: .wait)],
            routing: [route(Ping.self).to("narrow")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            for round in 0 ..< 5 {
                let session = try await track(app) {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for n in 0 ..< 200 {
                            group.addTask { try await publish(app, Ping(n: round * 1_000 + n)) }
                        }
                        try await group.waitForAll()
                    }
                }
                #expect(session.handled.count == 200)
                #expect(Set(session.handled.map(\.envelope.messageId)).count == 200)
            }
            #expect(probe.count("PingB.done") == 1_000)
        }
    }

    @Test(
        "unobserved: concurrent publishers, with and without backpressure, each message handled once with its own envelope",
        arguments: [(capacity: 10_000, concurrency: 4), (capacity: 2, concurrency: 4), (capacity: 1, concurrency: 1)])
    func unobservedConcurrentPublishers(shape: (capacity: Int, concurrency: Int)) async throws {
        let probe = Probe()
        let config = MessagingConfig(
            endpoints: [.localQueue("busy", concurrency: shape.concurrency, capacity: shape.capacity, whenFull: .wait)],
            routing: [route(Ping.self).to("busy")])
        let count = 1_000
        try await withApp(pingInB, probe: probe, config: config) { app in
            // Not tracked: tracking observes, and then the publisher builds the envelopes itself.
            #expect(try await runtime(of: app).defersEnvelopes)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0 ..< count {
                    group.addTask { try await publish(app, Ping(n: n)) }
                }
                try await group.waitForAll()
            }
            #expect(await probe.signal("PingB.done").reach(count))
            let executions = probe.executions(of: "PingB")
            #expect(executions.map(\.n).sorted() == Array(0 ..< count))
            let contexts = executions.compactMap(\.context)
            #expect(contexts.count == count)
            #expect(Set(contexts.map(\.messageId)).count == count)
            #expect(contexts.allSatisfy { $0.correlationId == $0.messageId && $0.causationId == $0.messageId })
            #expect(executions.allSatisfy { ($0.context?.envelope.payload as? Ping)?.n == $0.n })
        }
    }
}
