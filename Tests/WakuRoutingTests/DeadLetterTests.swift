import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// The dead-letter store through the runtime: list, replay through the endpoint, purge.

@Suite("Dead letters", .timeLimit(.minutes(1)))
struct DeadLetterTests {
    let modules: [any Module] = [
        ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)]),
        ModA(extensions: [MessagingExtension().bindEvent(Pong.self, PongA.init)]),
    ]

    /// PingB fails while `failing` is set.
    private func probeFailing(_ failing: Locked<Bool>) -> Probe {
        let probe = Probe()
        probe.on("PingB") { execution in
            if failing.withLock({ $0 }) { throw Boom(code: execution.n) }
        }
        probe.on("PongA") { execution in throw Boom(code: -execution.n) }
        return probe
    }

    private var config: MessagingConfig {
        MessagingConfig(
            endpoints: [.localQueue("q", errorPolicy: fastRetry(0))],
            routing: [route(Ping.self).to("q"), route(Pong.self).to("q")])
    }

    @Test("list returns every dead letter with its envelope")
    func list() async throws {
        let failing = Locked(true)
        let probe = probeFailing(failing)
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) {
                try await publish(app, Ping(n: 1))
                try await publish(app, Ping(n: 2))
                try await publish(app, Pong(n: 3))
            }
            let records = try await runtime(of: app).deadLetters.list()
            #expect(records.count == 3)
            #expect(Set(records.map(\.id)).count == 3)
            #expect(records.map(\.envelope.messageId) == session.deadLettered.map(\.envelope.messageId))
            #expect(records.map(\.handler).sorted() == ["PingB", "PingB", "PongA"])
            #expect(records.map(\.error).sorted() == ["Boom(-3)", "Boom(1)", "Boom(2)"])
        }
    }

    @Test("replay sends a dead letter back through its endpoint; it is handled once the handler succeeds")
    func replay() async throws {
        let failing = Locked(true)
        let probe = probeFailing(failing)
        try await withApp(modules, probe: probe, config: config) { app in
            let runtime = try await runtime(of: app)
            _ = try await track(app) {
                try await publish(app, Ping(n: 1))
                try await publish(app, Ping(n: 2))
            }
            let records = try await runtime.deadLetters.list()
            #expect(records.count == 2)
            let first = try #require(records.first { ($0.envelope.payload as? Ping)?.n == 1 })

            failing.withLock { $0 = false }
            let replay = try await trackMessages(app) { try await runtime.replayDeadLetters([first.id]) }
            #expect(replay.result == 1)
            #expect(replay.session.handled.map(\.handler) == ["PingB"])
            #expect(replay.session.handled.map(\.endpoint) == ["q"])
            // The same message, replayed: same id, so handlers can deduplicate.
            #expect(replay.session.handled.first?.envelope.messageId == first.envelope.messageId)
            #expect(probe.executions(of: "PingB").last?.context?.messageId == first.envelope.messageId)
            // Replayed records leave the store; the other stays.
            #expect(try await runtime.deadLetters.list().map(\.id) == records.filter { $0.id != first.id }.map(\.id))
        }
    }

    @Test("a replay that fails again goes back to the store, with a fresh attempt count")
    func replayFailsAgain() async throws {
        let failing = Locked(true)
        let probe = probeFailing(failing)
        let config = MessagingConfig(endpoints: [.localQueue("q", errorPolicy: fastRetry(1))], routing: [route(Ping.self).to("q")])
        try await withApp(Array(modules.prefix(1)), probe: probe, config: config) { app in
            let runtime = try await runtime(of: app)
            _ = try await track(app) { try await publish(app, Ping(n: 1)) }
            let original = try #require(try await runtime.deadLetters.list().first)
            let replay = try await track(app) { try await runtime.replayAllDeadLetters() }
            #expect(replay.deadLettered.count == 1)
            let again = try await runtime.deadLetters.list()
            #expect(again.count == 1)
            #expect(again.first?.id != original.id)
            #expect(again.first?.attempts == 2)
            #expect(again.first?.envelope.messageId == original.envelope.messageId)
        }
    }

    @Test("a replay whose enqueue fails throws, and keeps that record and the ones after it in the store")
    func failedReplayKeepsRecords() async throws {
        let failing = Locked(true)
        let probe = probeFailing(failing)
        let gate = Signal()
        probe.on("PingB") { execution in
            if failing.withLock({ $0 }) { throw Boom(code: execution.n) }
            if execution.n == 100 { _ = await gate.wait() }
        }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", capacity: 1, whenFull: .fail, errorPolicy: fastRetry(0))], routing: [route(Ping.self).to("q")])
        try await withApp(Array(modules.prefix(1)), probe: probe, config: config) { app in
            let runtime = try await runtime(of: app)
            // One at a time: the queue holds a single delivery.
            for n in 0 ..< 3 { _ = try await track(app) { try await publish(app, Ping(n: n)) } }
            let records = try await runtime.deadLetters.list()
            #expect(records.count == 3)
            failing.withLock { $0 = false }
            // 100 holds the only worker, so the queue has room for one replayed delivery.
            try await publish(app, Ping(n: 100))
            #expect(await probe.signal("PingB.started").reach(4))
            await #expect(throws: EndpointFull.self) { try await runtime.replayDeadLetters(records.map(\.id)) }
            #expect(try await runtime.deadLetters.list().map(\.id) == records.dropFirst().map(\.id))
            gate.fire()
        }
    }

    @Test("replayAll replays every dead letter; the store is empty afterwards")
    func replayAll() async throws {
        let failing = Locked(true)
        let probe = probeFailing(failing)
        try await withApp(Array(modules.prefix(1)), probe: probe, config: MessagingConfig(
            endpoints: [.localQueue("q", errorPolicy: fastRetry(0))], routing: [route(Ping.self).to("q")])
        ) { app in
            let runtime = try await runtime(of: app)
            _ = try await track(app) { try await publishAll(app, 0 ..< 5) }
            #expect(try await runtime.deadLetters.list().count == 5)
            failing.withLock { $0 = false }
            let replay = try await trackMessages(app) { try await runtime.replayAllDeadLetters() }
            #expect(replay.result == 5)
            #expect(replay.session.handled.count == 5)
            #expect(try await runtime.deadLetters.list().isEmpty)
            #expect(try await runtime.replayAllDeadLetters() == 0)
        }
    }

    @Test("replaying unknown ids does nothing")
    func replayUnknown() async throws {
        try await withApp(modules, probe: Probe(), config: config) { app in
            let replayed = try await runtime(of: app).replayDeadLetters([UUID()])
            #expect(replayed == 0)
        }
    }

    @Test("purge removes every dead letter and reports how many")
    func purge() async throws {
        let failing = Locked(true)
        let probe = probeFailing(failing)
        try await withApp(modules, probe: probe, config: config) { app in
            let store = try await runtime(of: app).deadLetters
            _ = try await track(app) { try await publishAll(app, 0 ..< 3) }
            #expect(try await store.purge() == 3)
            #expect(try await store.list().isEmpty)
            #expect(try await store.purge() == 0)
        }
    }

    @Test("remove returns the removed records only")
    func remove() async throws {
        let failing = Locked(true)
        let probe = probeFailing(failing)
        try await withApp(modules, probe: probe, config: config) { app in
            let store = try await runtime(of: app).deadLetters
            _ = try await track(app) { try await publishAll(app, 0 ..< 3) }
            let all = try await store.list()
            let removed = try await store.remove([all[1].id, UUID()])
            #expect(removed.map(\.id) == [all[1].id])
            #expect(try await store.list().map(\.id) == [all[0].id, all[2].id])
        }
    }

    @Test("a configured custom dead-letter store receives the dead letters")
    func customStore() async throws {
        let store = InMemoryDeadLetterStore()
        let failing = Locked(true)
        let probe = probeFailing(failing)
        let config = MessagingConfig(
            endpoints: [.localQueue("q", errorPolicy: .deadLetter)], routing: [route(Ping.self).to("q")], deadLetterStore: store)
        try await withApp(Array(modules.prefix(1)), probe: probe, config: config) { app in
            _ = try await track(app) { try await publish(app, Ping(n: 4)) }
            #expect(try await store.list().map(\.attempts) == [1])
        }
    }

    @Test("unobserved: a failing routed delivery keeps its dispatch's envelope through retries into the dead letter")
    func unobservedDeadLetterKeepsEnvelope() async throws {
        let failing = Locked(true)
        let probe = probeFailing(failing)
        let config = MessagingConfig(endpoints: [.localQueue("q", errorPolicy: fastRetry(1))], routing: [route(Ping.self).to("q")])
        let before = Date()
        // Closing the app drains the endpoint, so the dead letter is in the store afterwards.
        let messaging = try await withApp(Array(modules.prefix(1)), probe: probe, config: config) { app in
            let messaging = try await runtime(of: app)
            #expect(messaging.defersEnvelopes)
            try await app.withContainer { container in
                try await container.get((any IPublisher).self).publish(Ping(n: 9), options: DeliveryOptions(headers: ["tenant": "acme"]))
            }
            return messaging
        }
        let after = Date()
        let record = try #require(try await messaging.deadLetters.list().first)
        let attempts = probe.executions(of: "PingB").compactMap(\.context)
        #expect(attempts.count == 2)
        #expect(record.attempts == 2)
        #expect(record.handler == "PingB")
        #expect(attempts.allSatisfy { $0.messageId == record.envelope.messageId })
        #expect(record.envelope.correlationId == record.envelope.messageId)
        #expect(record.envelope.messageType == MessageTypeName.of(Ping.self))
        #expect(record.envelope.headers == ["tenant": "acme"])
        #expect(record.envelope.timestamp >= before && record.envelope.timestamp <= after)
        #expect((record.envelope.payload as? Ping)?.n == 9)
    }
}
