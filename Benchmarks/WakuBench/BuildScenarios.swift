import Waku

/// `di.build.<modules>x10`: `WakuFactory(root).create()` of the ``BuildGraph`` tree: module
/// collection, registration hooks, boundary validation and graph compilation.
enum BuildScenarios {
    static func build(moduleCount: Int) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            let root = BuildGraph.root(BuildTable(moduleCount: moduleCount))
            // Check once, outside the timing, that the graph is what the name says.
            let probe = try await WakuFactory(root).create()
            let providers = probe.modules.reduce(0) { $0 + $1.providers.count }
            guard probe.modules.count == moduleCount, providers == moduleCount * BuildGraph.providersPerModule else {
                throw BenchFailure("build graph has \(probe.modules.count) modules / \(providers) providers")
            }
            var measurement = try await Harness.measureEach(plans.build) {
                let app = try await WakuFactory(root).create()
                sink.consume(app)
                return app
            }
            let perProvider = measurement.median / Double(providers)
            measurement.note = "\(moduleCount) modules, \(providers) providers: \(formatNanos(perProvider)) per provider"
            return measurement
        }
    }
}
