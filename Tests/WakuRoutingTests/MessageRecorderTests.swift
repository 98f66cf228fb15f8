import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// WakuTesting's MessageRecorder: records what the bus reports, app-wide, and lets a test wait for
// a condition over it instead of sleeping.

@Suite("WakuTesting: MessageRecorder", .timeLimit(.minutes(1)))
struct MessageRecorderTests {
    let modules: [any Module] = [
        ModA(extensions: [MessagingExtension().bindEvent(Ping.self, PingA.init).bindRequest(Job.self, JobHandler.init)]),
        ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)]),
    ]

    @Test("records dispatches, inline and routed executions, failures with their errors, and delivery ends")
    func recordsEverything() async throws {
        let probe = Probe()
        probe.on("PingB") { execution in if execution.n == 2 { throw Boom(code: 2) } }
        let config = MessagingConfig(
            endpoints: [.localQueue("q", errorPolicy: fastRetry(1))], routing: [routeModule(ModB.self).eventsTo("q")])
        try await withApp(modules, probe: probe, config: config) { app in
            try await recordMessages(app) { recorder in
                try await publish(app, Ping(n: 1))
                try await publish(app, Ping(n: 2))
                let doubled = try await app.withContainer { try await $0.get((any ISender).self).invoke(Job(n: 4)) }
                #expect(doubled == 8)

                // Routed deliveries end after `publish` returned: wait for both, without sleeping.
                #expect(await recorder.wait { $0.finished.count == 2 })
                #expect(recorder.published(Ping.self).map(\.n) == [1, 2])
                #expect(recorder.sent(Job.self).map(\.n) == [4])
                #expect(recorder.dispatched.count == 3)
                #expect(recorder.handlers(of: Ping.self).sorted() == ["PingA", "PingA", "PingB"])
                #expect(recorder.handlers(of: Job.self) == ["JobHandler"])
                #expect(recorder.handled.filter { $0.handler == "PingB" }.map(\.endpoint) == ["q"])
                #expect(recorder.handled.filter { $0.handler == "PingA" }.allSatisfy { $0.endpoint == nil })
                #expect(recorder.failures.map(\.attempt) == [1, 2])
                #expect(recorder.failures.map(\.willRetry) == [true, false])
                #expect(recorder.failures.allSatisfy { $0.error as? Boom == Boom(code: 2) && $0.endpoint == "q" })
                #expect(recorder.enqueued.map(\.handler) == ["PingB", "PingB"])
                #expect(recorder.deliveries(.handled).count == 1)
                let dead = try #require(recorder.deliveries(.deadLettered).first)
                #expect(dead.attempts == 2)
                #expect(recorder.finished.first { $0.outcome == .deadLettered }?.error as? Boom == Boom(code: 2))
            }
        }
    }

    @Test("wait returns false when its condition does not come true in time, and on cancellation")
    func waitGivesUp() async throws {
        try await withApp(modules, probe: Probe(), config: MessagingConfig()) { app in
            try await recordMessages(app) { recorder in
                #expect(await recorder.wait(timeout: .milliseconds(20)) { !$0.handled.isEmpty } == false)
                let waiter = Task { await recorder.wait { !$0.handled.isEmpty } }
                waiter.cancel()
                #expect(await waiter.value == false)
            }
        }
    }

    @Test("recordMessages detaches the recorder afterwards, also when the body throws")
    func detaches() async throws {
        try await withApp(modules, probe: Probe(), config: MessagingConfig()) { app in
            let kept = Locked<MessageRecorder?>(nil)
            await #expect(throws: Boom(code: 7)) {
                try await recordMessages(app) { recorder in
                    kept.withLock { $0 = recorder }
                    try await publish(app, Ping(n: 1))
                    throw Boom(code: 7)
                }
            }
            try await publish(app, Ping(n: 2))
            let recorder = try #require(kept.withLock { $0 })
            #expect(recorder.published(Ping.self).map(\.n) == [1])
            #expect(try await runtime(of: app).defersEnvelopes, "no observer is left on the runtime")
        }
    }
}
