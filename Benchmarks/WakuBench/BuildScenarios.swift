import Waku
import Foundation

/// `di.build.<modules>x10`: `WakuFactory(root).create()` of the ``BuildGraph`` tree: module
/// collection, registration hooks, boundary validation and graph compilation.
enum BuildScenarios {
    /// `interleavedWith`: also time builds of that many modules alternated with these, and note
    /// the median ratio of the pairs.
    static func build(moduleCount: Int, interleavedWith: Int? = nil) -> (Plans, Sink) async throws -> Measurement {
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
            var note = "\(moduleCount) modules, \(providers) providers: \(formatNanos(perProvider)) per provider"
            if let smaller = interleavedWith {
                note += "; " + (try await interleavedRatio(root, moduleCount, smaller, plans.build))
            }
            measurement.note = note
            return measurement
        }
    }

    /// This host changes speed now and then for seconds at a time, so two scenarios timed one
    /// after the other can meet different speeds. Builds of both sizes, alternated, meet the
    /// same ones: the median of the pairs' ratios is the growth to read.
    private static func interleavedRatio(
        _ root: any Module, _ moduleCount: Int, _ smallerCount: Int, _ plan: EachPlan
    ) async throws -> String {
        let smallerRoot = BuildGraph.root(BuildTable(moduleCount: smallerCount))
        _ = try await WakuFactory(smallerRoot).create()
        var ratios: [Double] = []
        for _ in 0 ..< plan.samples {
            var start = MonotonicClock.now()
            let small = try await WakuFactory(smallerRoot).create()
            let smallTime = Double(MonotonicClock.now() &- start)
            withExtendedLifetime(small) {}
            start = MonotonicClock.now()
            let large = try await WakuFactory(root).create()
            let largeTime = Double(MonotonicClock.now() &- start)
            withExtendedLifetime(large) {}
            ratios.append(largeTime / smallTime)
        }
        let ratio = Statistics.median(ratios)
        return "alternated with \(smallerCount)-module builds: median ratio \(String(format: "%.2f", ratio)) over \(ratios.count) pairs"
    }
}
