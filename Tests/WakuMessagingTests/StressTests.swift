import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Concurrency: many tasks, each in its own request scope, dispatching at once.

/// Thread-safe tallies of which message ids each handler saw.
final class IdLedger: Sendable {
    private let seen = Locked([String: [UUID]]())

    func note(_ handler: String, _ id: UUID) {
        seen.withLock { $0[handler, default: []].append(id) }
    }

    func ids(_ handler: String) -> [UUID] {
        seen.withLock { $0[handler] ?? [] }
    }
}

struct Work: IRequest {
    typealias Response = Int
    let index: Int
}

struct Worked: IEvent {
    let index: Int
}

final class WorkHandler: RequestHandler {
    let ledger: IdLedger
    let probe: Probe
    init(ledger: IdLedger, probe: Probe) {
        self.ledger = ledger
        self.probe = probe
        probe.bump("WorkHandler.init")
    }
    func handle(_ request: Work) async throws -> Int {
        ledger.note("work", try MessageContext.required().messageId)
        await Task.yield()
        return request.index * 3
    }
}

struct WorkedFirst: EventHandler {
    let ledger: IdLedger
    func handle(_ event: Worked) async throws {
        ledger.note("worked.first", try MessageContext.required().messageId)
        await Task.yield()
    }
}

struct WorkedSecond: EventHandler {
    let ledger: IdLedger
    func handle(_ event: Worked) async throws {
        ledger.note("worked.second", try MessageContext.required().messageId)
    }
}

/// Counts every execution it wraps.
struct CountingBehavior: IPipelineBehavior, Injectable {
    let probe: Probe
    static var factory: Factory<CountingBehavior> { Factory(CountingBehavior.init) }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        probe.bump("behavior")
        return try await next()
    }
}

@Suite("Stress")
struct StressTests {
    @Test("1,000 concurrent scopes: every handler runs exactly as often as dispatched, and every message has a unique id")
    func concurrentScopes() async throws {
        let probe = Probe()
        let ledger = IdLedger()
        let tasks = 1_000
        let module = OrdersModule(extensions: [
            MessagingExtension()
                .bindRequest(Work.self, WorkHandler.init)
                .bindEvent(Worked.self, WorkedFirst.init)
                .bindEvent(Worked.self, WorkedSecond.init),
        ])
        let results = try await withApp(
            [module], probe: probe, config: MessagingConfig(pipelineBehaviors: [CountingBehavior.self]),
            providers: [object(ledger)], exports: [.type(IdLedger.self)]
        ) { app in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<tasks {
                    group.addTask {
                        try await app.withContainer { container in
                            let bus = try await container.get((any IMessageBus).self)
                            let result = try await bus.invoke(Work(index: index))
                            try await bus.publish(Worked(index: index))
                            return result
                        }
                    }
                }
                var results: [Int] = []
                for try await result in group { results.append(result) }
                return results
            }
        }
        #expect(results.sorted() == (0..<tasks).map { $0 * 3 })
        #expect(probe.count("WorkHandler.init") == tasks)
        // One global behavior execution per request and per event handler execution.
        #expect(probe.count("behavior") == tasks * 3)

        let work = ledger.ids("work")
        let first = ledger.ids("worked.first")
        let second = ledger.ids("worked.second")
        #expect(work.count == tasks)
        #expect(first.count == tasks)
        #expect(second.count == tasks)
        #expect(Set(work).count == tasks)
        #expect(Set(first).count == tasks)
        // Both handlers of one publish share its id, and no event shares an id with a request.
        #expect(Set(first) == Set(second))
        #expect(Set(work).isDisjoint(with: Set(first)))
    }
}
