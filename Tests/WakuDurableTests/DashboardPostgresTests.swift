#if Postgres && Hummingbird
import Atomics
import Foundation
import Testing
import Waku
import WakuMessaging
import WakuPostgres
@testable import WakuDashboard

// The operator dashboard on PostgreSQL: the same reads and actions its pages use (the HTTP
// tests run them on memory and SQLite), against a real server.

struct Crate: IEvent, Codable {
    let label: String
}

/// Fails every delivery while `failing` is on.
final class CrateGate: Sendable {
    let failing = ManagedAtomic(true)
    let handled = ManagedAtomic(0)
}

final class ShipCrate: EventHandler {
    private let gate: CrateGate
    init(gate: CrateGate) { self.gate = gate }

    func handle(_ event: Crate) async throws {
        if gate.failing.load(ordering: .relaxed) { throw CrateStuck(label: event.label) }
        gate.handled.wrappingIncrement(ordering: .relaxed)
    }
}

struct CrateStuck: Error, CustomStringConvertible {
    let label: String
    var description: String { "crate \(label) is stuck <at the dock>" }
}

struct CrateModule: Module {
    let gate: CrateGate
    var providers: [Provider] { [object(gate)] }
    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(Crate.self, ShipCrate.init)] }
}

struct CrateAppModule: Module {
    let gate: CrateGate
    let store: any DurableStore
    var imports: [any Module] {
        [
            MessagingModule.register(MessagingConfig(
                endpoints: [.durable("crates", errorPolicy: .deadLetter, pollInterval: .milliseconds(20))],
                routing: [routeModule(CrateModule.self).eventsTo("crates")],
                durableStore: store)),
            CrateModule(gate: gate),
        ]
    }
}

extension PostgresDurableTests {
    @Test("PostgreSQL: the dashboard lists, shows, replays and purges durable dead letters")
    func dashboardOnPostgres() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema("dash"))
        let gate = CrateGate()
        let app = try await WakuFactory(CrateAppModule(gate: gate, store: store)).create()
        try await app.initialize()
        let dashboard = WakuDashboard(application: app)
        let source = dashboard.source
        do {
            for label in ["<b>one</b>", "two"] {
                try await app.withContainer { try await $0.get((any IPublisher).self).publish(Crate(label: label)) }
            }
            let deadline = ContinuousClock.now + .seconds(20)
            while await source.deadLetters(matching: DashboardFilter()).items.count < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(25))
            }
            let (items, problem) = await source.deadLetters(matching: DashboardFilter())
            #expect(problem == nil)
            try #require(items.count == 2, "two dead letters: \(items.map(\.reference))")
            #expect(items.allSatisfy { if case .durable = $0.reference { true } else { false } })
            #expect(items[0].error == "crate <b>one</b> is stuck <at the dock>")
            #expect(items[0].payload.contains(#""label" : "<b>one</b>""#), "the stored JSON, pretty-printed: \(items[0].payload)")

            let row = try #require(await source.endpoints().first { $0.name == "crates" })
            #expect(row.kind == "durable")
            #expect(row.deadLettered == 2)
            #expect(row.failed == 2)
            #expect(row.problem == nil)

            // What the pages render is escaped.
            let list = DashboardPages.deadLetters(items, filter: DashboardFilter(), problem: nil, base: "/waku", notice: nil, limit: 500)
            #expect(list.contains("crate &lt;b&gt;one&lt;/b&gt; is stuck &lt;at the dock&gt;"))
            #expect(!list.contains("<b>one</b>"))
            let shown = try #require(await source.deadLetter(items[0].reference))
            #expect(shown.messageId == items[0].messageId)

            gate.failing.store(false, ordering: .relaxed)
            #expect(try await source.replay(DashboardFilter(references: [items[0].reference])) == 1)
            let handledBy = ContinuousClock.now + .seconds(20)
            while gate.handled.load(ordering: .relaxed) < 1, ContinuousClock.now < handledBy {
                try await Task.sleep(for: .milliseconds(25))
            }
            #expect(gate.handled.load(ordering: .relaxed) == 1, "the replayed delivery ran")
            #expect(try await source.deadLetter(items[0].reference) == nil, "a replayed dead letter is no longer dead")

            var byError = DashboardFilter()
            byError.criteria.errorContains = "TWO IS STUCK"
            #expect(try await source.purge(byError) == 1)
            #expect(await source.deadLetters(matching: DashboardFilter()).items.isEmpty)
        } catch {
            try? await app.close()
            await store.shutdown()
            throw error
        }
        try await app.close()
        await store.shutdown()
    }
}
#endif
