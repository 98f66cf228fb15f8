import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// What an endpoint does when a routed handler fails: retry, then dead-letter or discard;
// per-message-type overrides; the default policy; attempt timeouts.

@Suite("Error policies", .timeLimit(.minutes(1)))
struct ErrorPolicyTests {
    let pingInB: [any Module] = [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])]

    @Test("retries up to N times, then dead-letters with a complete record")
    func retriesThenDeadLetters() async throws {
        let probe = Probe()
        probe.on("PingB") { execution in throw Boom(code: execution.n) }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", errorPolicy: .retry(2, backoff: .milliseconds(1)))], routing: [route(Ping.self).to("q")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            let before = Date()
            let session = try await track(app) { try await publish(app, Ping(n: 9)) }
            let after = Date()

            #expect(probe.executions(of: "PingB").count == 3)
            #expect(session.failed.map(\.attempt) == [1, 2, 3])
            #expect(session.failed.map(\.willRetry) == [true, true, false])
            #expect(session.failed.allSatisfy { $0.endpoint == "q" && $0.handler == "PingB" && $0.error == "Boom(9)" })
            #expect(session.handled.isEmpty)
            #expect(session.deadLettered.count == 1)

            let records = try await runtime(of: app).deadLetters.list()
            let record = try #require(records.first)
            #expect(records.count == 1)
            #expect(record.attempts == 3)
            #expect(record.delivery.attempts == 3)
            #expect(record.error == "Boom(9)")
            #expect(record.handler == "PingB")
            #expect(record.endpoint == "q")
            #expect(record.envelope.messageId == session.published.first?.messageId)
            #expect(record.envelope.messageType == MessageTypeName.of(Ping.self))
            #expect((record.envelope.payload as? Ping)?.n == 9)
            #expect(record.firstEnqueuedAt >= before)
            #expect(record.firstEnqueuedAt <= record.deadLetteredAt)
            #expect(record.deadLetteredAt <= after)
        }
    }

    @Test("retries stop as soon as an attempt succeeds")
    func retrySucceeds() async throws {
        let probe = Probe()
        let attempts = Locked(0)
        probe.on("PingB") { _ in
            let attempt = attempts.withLock { value -> Int in value += 1; return value }
            if attempt < 3 { throw Boom(code: attempt) }
        }
        let config = MessagingConfig(endpoints: [.localQueue("q", errorPolicy: fastRetry(5))], routing: [route(Ping.self).to("q")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            let session = try await track(app) { try await publish(app, Ping(n: 1)) }
            #expect(session.failed.map(\.attempt) == [1, 2])
            #expect(session.handled.map(\.handler) == ["PingB"])
            #expect(session.deadLettered.isEmpty)
            #expect(try await runtime(of: app).deadLetters.list().isEmpty)
        }
    }

    @Test(".discard drops the delivery: nothing reaches the dead-letter store")
    func discardDrops() async throws {
        let probe = Probe()
        probe.on("PingB") { _ in throw Boom(code: 1) }
        let config = MessagingConfig(endpoints: [.localQueue("q", errorPolicy: .discard)], routing: [route(Ping.self).to("q")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            let session = try await track(app) { try await publish(app, Ping(n: 1)) }
            #expect(probe.executions(of: "PingB").count == 1)
            #expect(session.discarded.map(\.handler) == ["PingB"])
            #expect(session.deadLettered.isEmpty)
            #expect(try await runtime(of: app).deadLetters.list().isEmpty)
        }
    }

    @Test("retry then discard: N+1 attempts, then dropped")
    func retryThenDiscard() async throws {
        let probe = Probe()
        probe.on("PingB") { _ in throw Boom(code: 1) }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", errorPolicy: .retry(2, backoff: .milliseconds(1), then: .discard))],
            routing: [route(Ping.self).to("q")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            let session = try await track(app) { try await publish(app, Ping(n: 1)) }
            #expect(probe.executions(of: "PingB").count == 3)
            #expect(session.discarded.count == 1)
            #expect(try await runtime(of: app).deadLetters.list().isEmpty)
        }
    }

    @Test("a per-message-type policy overrides the endpoint's policy, in both directions")
    func perMessagePolicyWins() async throws {
        let probe = Probe()
        probe.on("PingB") { _ in throw Boom(code: 1) }
        probe.on("PongA") { _ in throw Boom(code: 2) }
        let config = MessagingConfig(
            endpoints: [
                .localQueue(
                    "q", errorPolicy: fastRetry(3),
                    messagePolicies: [.policy(for: Ping.self, .discard), .policy(for: Pong.self, fastRetry(1))])
            ],
            routing: [route(Ping.self).to("q"), route(Pong.self).to("q")])
        let modules = pingInB + [ModA(extensions: [MessagingExtension().bindEvent(Pong.self, PongA.init)])]
        try await withApp(modules, probe: probe, config: config) { app in
            let session = try await track(app) {
                try await publish(app, Ping(n: 1))
                try await publish(app, Pong(n: 2))
            }
            // Ping: discarded after one attempt instead of four attempts and a dead letter.
            #expect(probe.executions(of: "PingB").count == 1)
            #expect(session.discarded.map(\.handler) == ["PingB"])
            // Pong: two attempts instead of four.
            #expect(probe.executions(of: "PongA").count == 2)
            #expect(try await runtime(of: app).deadLetters.list().map(\.handler) == ["PongA"])
        }
    }

    @Test("the endpoint policy applies to message types without an override")
    func endpointPolicyWithoutOverride() async throws {
        let probe = Probe()
        probe.on("PingB") { _ in throw Boom(code: 1) }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", errorPolicy: fastRetry(1), messagePolicies: [.policy(for: Pong.self, .discard)])],
            routing: [route(Ping.self).to("q")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            let session = try await track(app) { try await publish(app, Ping(n: 1)) }
            #expect(probe.executions(of: "PingB").count == 2)
            #expect(session.deadLettered.count == 1)
        }
    }

    @Test("the default policy: 3 retries from 100 ms, exponential, with jitter, then dead-letter, no timeout")
    func defaultPolicy() {
        let policy = ErrorPolicy.default
        #expect(policy.maxRetries == 3)
        #expect(policy.initialBackoff == .milliseconds(100))
        #expect(policy.multiplier == 2)
        #expect(policy.jitter > 0)
        #expect(policy.whenExhausted == .deadLetter)
        #expect(policy.attemptTimeout == nil)
        #expect(EndpointConfig.localQueue("q").errorPolicy == .default)
        #expect(ErrorPolicy.retry(2) == ErrorPolicy(maxRetries: 2))
        #expect(ErrorPolicy.deadLetter.maxRetries == 0 && ErrorPolicy.deadLetter.whenExhausted == .deadLetter)
        #expect(ErrorPolicy.discard.maxRetries == 0 && ErrorPolicy.discard.whenExhausted == .discard)
    }

    @Test("the default policy in action: four attempts, then a dead letter")
    func defaultPolicyInAction() async throws {
        let probe = Probe()
        probe.on("PingB") { _ in throw Boom(code: 1) }
        let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [route(Ping.self).to("q")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            let session = try await track(app) { try await publish(app, Ping(n: 1)) }
            #expect(probe.executions(of: "PingB").count == 4)
            #expect(session.failed.map(\.willRetry) == [true, true, true, false])
            #expect(try await runtime(of: app).deadLetters.list().first?.attempts == 4)
        }
    }

    @Test("an attempt exceeding attemptTimeout fails with HandlerTimeout and counts as an attempt")
    func attemptTimeout() async throws {
        let probe = Probe()
        probe.on("PingB") { execution in
            if execution.n == 1 {
                // Long, but cooperative: cancelled when the attempt times out.
                try await Task.sleep(for: .seconds(60))
                probe.record("slept through the timeout")
            }
        }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", errorPolicy: fastRetry(1, attemptTimeout: .milliseconds(50)))],
            routing: [route(Ping.self).to("q")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            let observer = MessageRecorder()
            try await runtime(of: app).addObserver(observer)
            let session = try await track(app) {
                try await publish(app, Ping(n: 1))
                try await publish(app, Ping(n: 2))  // fast: unaffected by the timeout
            }
            // The retry of 1 waits off the worker, so 2 may run before it.
            #expect(probe.executions(of: "PingB").map(\.n).sorted() == [1, 1, 2])
            #expect(probe.log.isEmpty)
            #expect(observer.failures.count == 2)
            for failure in observer.failures {
                let timeout = try #require(failure.error as? HandlerTimeout)
                #expect(timeout.handler == "PingB")
                #expect(timeout.timeout == .milliseconds(50))
            }
            #expect(session.handled.compactMap { ($0.envelope.payload as? Ping)?.n } == [2])
            let record = try #require(try await runtime(of: app).deadLetters.list().first)
            #expect(record.attempts == 2)
            #expect(record.error.contains("did not finish within"))
        }
    }

    @Test("failures of routed handlers are reported with message id, type, handler, endpoint and attempt")
    func failureReports() async throws {
        // swift-log's LoggingSystem.bootstrap may run once per process and the runtime's logger is
        // not injectable, so this checks the same fields through the observer API instead.
        let probe = Probe()
        probe.on("PingB") { _ in throw Boom(code: 5) }
        let config = MessagingConfig(endpoints: [.localQueue("q", errorPolicy: fastRetry(1))], routing: [route(Ping.self).to("q")])
        try await withApp(pingInB, probe: probe, config: config) { app in
            let observer = MessageRecorder()
            try await runtime(of: app).addObserver(observer)
            let session = try await track(app) { try await publish(app, Ping(n: 1)) }
            let id = try #require(session.published.first?.messageId)
            #expect(observer.failures.map(\.attempt) == [1, 2])
            for failure in observer.failures {
                #expect(failure.envelope.messageId == id)
                #expect(failure.envelope.messageType == MessageTypeName.of(Ping.self))
                #expect(failure.handler == "PingB")
                #expect(failure.endpoint == "q")
                #expect(failure.error as? Boom == Boom(code: 5))
            }
            #expect(observer.finished.map(\.outcome) == [.deadLettered])
            #expect(observer.finished.first?.error as? Boom == Boom(code: 5))
        }
    }
}
