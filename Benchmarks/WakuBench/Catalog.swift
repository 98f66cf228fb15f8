/// Every scenario, in report order: each next to its baseline.
///
/// Reading the `baseline` column: `di.*` and `bus.*` are divided by their hand-wired floor,
/// `swinject.*` too (so the two frameworks' ratios compare directly), `di.scope.open-close` by
/// Swinject's child container, and the larger builds by `di.build.100x10` (linear growth shows as
/// ratio ≈ 5 and ≈ 10).
enum Catalog {
    static var all: [Scenario] { [
        // DI: cached singleton
        Scenario("handwired.singleton", DIScenarios.handwiredSingleton),
        Scenario("di.singleton", baseline: "handwired.singleton", competitor: "swinject.singleton", DIScenarios.singleton),
        Scenario("swinject.singleton", baseline: "handwired.singleton", SwinjectScenarios.singleton),
        Scenario("di.scoped", baseline: "handwired.singleton", DIScenarios.scoped),
        // DI: transient graph
        Scenario("handwired.transient3", DIScenarios.handwiredTransient3),
        Scenario("di.transient3", baseline: "handwired.transient3", competitor: "swinject.transient3", DIScenarios.transient3),
        Scenario("swinject.transient3", baseline: "handwired.transient3", SwinjectScenarios.transient3),
        // DI: request scope
        Scenario("swinject.scope.open-close", SwinjectScenarios.scopeOpenClose),
        Scenario("di.scope.open-close", baseline: "swinject.scope.open-close", DIScenarios.scopeOpenClose),
        // DI: app build
        Scenario("di.build.100x10", BuildScenarios.build(moduleCount: 100)),
        Scenario("di.build.500x10", baseline: "di.build.100x10", BuildScenarios.build(moduleCount: 500)),
        Scenario("di.build.1000x10", baseline: "di.build.100x10", BuildScenarios.build(moduleCount: 1_000)),
        // Bus: one fresh request scope per message
        Scenario("handwired.invoke", HandwiredBus.invoke),
        Scenario("bus.invoke.0behaviors", baseline: "handwired.invoke", BusScenarios.invoke(behaviors: 0)),
        Scenario("bus.invoke.3behaviors", baseline: "handwired.invoke", BusScenarios.invoke(behaviors: 3)),
        Scenario("handwired.publish", HandwiredBus.publish),
        Scenario("bus.publish.2handlers", baseline: "handwired.publish", BusScenarios.publish),
        Scenario("handwired.nested", HandwiredBus.nested),
        Scenario("bus.nested", baseline: "handwired.nested", BusScenarios.nested),
        // Endpoints: local queue throughput
        Scenario("handwired.queue.c1", QueueScenarios.handwired(concurrency: 1)),
        Scenario("queue.throughput.c1", baseline: "handwired.queue.c1", QueueScenarios.throughput(concurrency: 1)),
        Scenario("handwired.queue.c4", QueueScenarios.handwired(concurrency: 4)),
        Scenario("queue.throughput.c4", baseline: "handwired.queue.c4", QueueScenarios.throughput(concurrency: 4)),
    ] }

    /// The scenarios whose name contains `filter`, plus the baselines and competitors they are
    /// compared with (so every ratio is measured in the same run), in catalog order.
    static func select(filter: String?) -> [Scenario] {
        let all = self.all
        guard let filter, !filter.isEmpty else { return all }
        var wanted = Set(all.filter { $0.name.contains(filter) }.map(\.name))
        var changed = true
        while changed {
            changed = false
            for scenario in all where wanted.contains(scenario.name) {
                for reference in [scenario.baseline, scenario.competitor].compactMap({ $0 }) where !wanted.contains(reference) {
                    wanted.insert(reference)
                    changed = true
                }
            }
        }
        return all.filter { wanted.contains($0.name) }
    }
}
