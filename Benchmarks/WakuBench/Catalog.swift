/// Every scenario, in report order: each next to its baseline.
///
/// Reading the `baseline` column: `di.*` and `bus.*` are divided by their hand-wired code,
/// `swinject.*` too (so the two frameworks' ratios compare directly), `di.scope.open-close` by
/// Swinject's child container, and the larger builds by `di.build.100x10` (linear growth shows as
/// ratio ≈ 5 and ≈ 10) and `di.build.2000x10` by `di.build.1000x10` (≈ 2 once the graph has
/// outgrown the CPU caches), as are the deeper claim-depth scenarios by the shallowest. `floor.*`
/// is hand-wired code plus what the spec requires of any dispatch (see `FloorBus`); `bus.*` rows
/// show their ratio to it in parentheses, next to the one to hand-wired code. `floor.durable.*`
/// is the database alone, without waku (see `FloorDurable`); the PostgreSQL throughput rows show
/// their ratio to it the same way.
enum Catalog {
    /// Every scenario for `plans` (the claim-depth scenarios are named by the depths the plan
    /// uses: fewer and shallower in a quick run).
    static func all(_ plans: Plans) -> [Scenario] { [
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
        Scenario("di.scope.first-scoped", baseline: "di.scope.open-close", DIScenarios.scopeFirstScoped),
        // DI: app build
        Scenario("di.build.100x10", BuildScenarios.build(moduleCount: 100)),
        Scenario("di.build.500x10", baseline: "di.build.100x10", BuildScenarios.build(moduleCount: 500)),
        Scenario("di.build.1000x10", baseline: "di.build.100x10", BuildScenarios.build(moduleCount: 1_000)),
        Scenario("di.build.2000x10", baseline: "di.build.1000x10", BuildScenarios.build(moduleCount: 2_000, interleavedWith: 1_000)),
        // Bus: one fresh request scope per message
        Scenario("handwired.invoke", HandwiredBus.invoke),
        Scenario("floor.invoke", baseline: "handwired.invoke", FloorBus.invoke),
        Scenario("floor.invoke.di", baseline: "handwired.invoke", competitor: "floor.invoke", FloorContainer.invoke(behaviors: 0)),
        Scenario("bus.invoke.0behaviors", baseline: "handwired.invoke", competitor: "floor.invoke", BusScenarios.invoke(behaviors: 0)),
        Scenario("floor.invoke3.di", baseline: "handwired.invoke", competitor: "floor.invoke", FloorContainer.invoke(behaviors: 3)),
        Scenario("bus.invoke.3behaviors", baseline: "handwired.invoke", competitor: "floor.invoke", BusScenarios.invoke(behaviors: 3)),
        Scenario("handwired.publish", HandwiredBus.publish),
        Scenario("floor.publish", baseline: "handwired.publish", FloorBus.publish),
        Scenario("floor.publish.di", baseline: "handwired.publish", competitor: "floor.publish", FloorContainer.publish),
        Scenario("bus.publish.2handlers", baseline: "handwired.publish", competitor: "floor.publish", BusScenarios.publish),
        Scenario("handwired.nested", HandwiredBus.nested),
        Scenario("bus.nested", baseline: "handwired.nested", BusScenarios.nested),
        // Endpoints: local queue throughput
        Scenario("handwired.queue.c1", QueueScenarios.handwired(concurrency: 1)),
        Scenario("queue.throughput.c1", baseline: "handwired.queue.c1", QueueScenarios.throughput(concurrency: 1)),
        Scenario("handwired.queue.c4", QueueScenarios.handwired(concurrency: 4)),
        Scenario("queue.throughput.c4", baseline: "handwired.queue.c4", QueueScenarios.throughput(concurrency: 4)),
        // Endpoints: local queue latency, publish to handler running
        Scenario("handwired.queue.latency.c1", LatencyScenarios.handwired(concurrency: 1, burst: false)),
        Scenario("queue.latency.c1", baseline: "handwired.queue.latency.c1", LatencyScenarios.routed(concurrency: 1, burst: false)),
        Scenario("handwired.queue.latency.burst32.c4", LatencyScenarios.handwired(concurrency: 4, burst: true)),
        Scenario(
            "queue.latency.burst32.c4", baseline: "handwired.queue.latency.burst32.c4",
            LatencyScenarios.routed(concurrency: 4, burst: true)),
        // Endpoints: memory per queued message
        Scenario("handwired.queue.memory", MemoryScenarios.handwired),
        Scenario("queue.memory.per-message", baseline: "handwired.queue.memory", MemoryScenarios.routed),
        // Durable endpoints: end-to-end throughput (PostgreSQL only with WAKU_BENCH_POSTGRES_URL).
        // `floor.durable.commit64` is what the cluster's commits allow 64 writers (see FloorDurable).
        Scenario("durable.sqlite.throughput", DurableScenarios.sqlite(producers: DurableScenarios.producers)),
        Scenario("durable.sqlite.throughput.1producer", baseline: "durable.sqlite.throughput", DurableScenarios.sqlite(producers: 1)),
        Scenario("floor.durable.commit64", FloorDurable.commit(connections: DurableScenarios.producers)),
        Scenario(
            "durable.postgres.throughput", competitor: "floor.durable.commit64",
            DurableScenarios.postgres(producers: DurableScenarios.producers)),
        Scenario(
            "durable.postgres.throughput.1producer", baseline: "durable.postgres.throughput", DurableScenarios.postgres(producers: 1)),
        Scenario(
            "durable.postgres.grouped50", baseline: "durable.postgres.throughput",
            DurableScenarios.postgres(producers: DurableScenarios.producers, groups: 50)),
        Scenario(
            "durable.postgres.throughput.2proc", baseline: "durable.postgres.throughput", competitor: "floor.durable.commit64",
            WorkerProcessScenarios.twoProcesses(jobLog: false)),
        Scenario(
            "durable.postgres.throughput.2proc.logged", baseline: "durable.postgres.throughput.2proc",
            WorkerProcessScenarios.twoProcesses(jobLog: true)),
        Scenario("durable.postgres.batch\(plans.durableBatch.burst)", DurableBatchScenarios.postgres()),
        Scenario("durable.postgres.pickup", PickupScenario.postgres()),
    ] + depthScenarios(plans, store: "sqlite") { DepthScenarios.sqlite(depth: $0) }
      + depthScenarios(plans, store: "sqlite", groups: 50) { DepthScenarios.sqlite(depth: $0, groups: $1) }
      + depthScenarios(plans, store: "postgres") { DepthScenarios.postgres(depth: $0) }
      + depthScenarios(plans, store: "postgres", groups: 50) { DepthScenarios.postgres(depth: $0, groups: $1) } }

    /// `durable.<store>.claim.depth<N>` for each depth of the plan, each baselined on the first.
    private static func depthScenarios(
        _ plans: Plans, store: String, _ make: (Int) -> (Plans, Sink) async throws -> Measurement
    ) -> [Scenario] {
        depthScenarios(plans.depths, name: { "durable.\(store).claim.depth\(depthLabel($0))" }, make)
    }

    /// `durable.<store>.claim.grouped<G>.depth<N>` for each grouped depth of the plan, each
    /// baselined on the first.
    private static func depthScenarios(
        _ plans: Plans, store: String, groups: Int, _ make: (Int, Int) -> (Plans, Sink) async throws -> Measurement
    ) -> [Scenario] {
        depthScenarios(plans.groupedDepths, name: { "durable.\(store).claim.grouped\(groups).depth\(depthLabel($0))" }) {
            make($0, groups)
        }
    }

    private static func depthScenarios(
        _ depths: [Int], name: (Int) -> String, _ make: (Int) -> (Plans, Sink) async throws -> Measurement
    ) -> [Scenario] {
        let first = depths.first.map(name)
        return depths.map { depth in
            let scenario = name(depth)
            return Scenario(scenario, baseline: scenario == first ? nil : first, make(depth))
        }
    }

    /// `1000` → `1k`, `1000000` → `1m`.
    static func depthLabel(_ depth: Int) -> String {
        if depth >= 1_000_000, depth % 1_000_000 == 0 { return "\(depth / 1_000_000)m" }
        if depth >= 1_000, depth % 1_000 == 0 { return "\(depth / 1_000)k" }
        return "\(depth)"
    }

    /// The scenarios whose name contains `filter`, plus the baselines and competitors they are
    /// compared with (so every ratio is measured in the same run), in catalog order.
    static func select(filter: String?, plans: Plans) -> [Scenario] {
        let all = self.all(plans)
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
