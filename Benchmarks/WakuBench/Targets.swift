import Foundation
/// The performance targets from the issues, checked against a run's results.
///
/// A scenario's target is met when every criterion is; a criterion whose numbers were not
/// measured in the run (e.g. the Python comparison without `--peers`) leaves it undecided.
enum Targets {
    enum Criterion {
        /// The median at most `value`, in the scenario's unit (ns/op, B/msg).
        case atMost(Double)
        /// The median at least `value` (msg/s).
        case atLeast(Double)
        /// The median at most `factor` times the baseline's (ns/op).
        case baselineAtMost(Double, label: String)
        /// The median at most `factor` times the second reference's, the scenario's
        /// `competitor` (ns/op): the `floor.*` rows for the bus.
        case competitorAtMost(Double, label: String)
        /// At most `factor` times slower than the baseline: for msg/s the baseline's median at
        /// most `factor` times ours, for ns/op ours at most `factor` times the baseline's.
        case slowdownAtMost(Double, label: String)
        /// The p50 at most `value` ns.
        case p50AtMost(Double)
        /// At least `factor` times faster than Python waku 0.42's same scenario, or `fallback`'s
        /// when waku has no such scenario.
        case fasterThanPeer(Double, fallback: String? = nil)
    }

    enum Status: Equatable {
        case met
        case missed
        /// Not every criterion was measured; none of the measured ones was missed.
        case unmeasured

        var label: String {
            switch self {
            case .met: "met"
            case .missed: "missed"
            case .unmeasured: "not measured"
            }
        }
    }

    static let byScenario: [String: [Criterion]] = {
        let bus: [Criterion] = [.fasterThanPeer(100), .baselineAtMost(3, label: "hand-wired")]
        let durable: [Criterion] = [.atLeast(10_000)]
        // PostgreSQL with production durability (every commit waits for its WAL flush), in one
        // process and with two worker processes whose handler does no database work (`.2proc`;
        // `.2proc.logged` has none: its handler commits a row per job).
        let postgres: [Criterion] = [.atLeast(20_000)]
        return [
            "di.singleton": [.atMost(50)],
            "di.transient3": [.atMost(400)],
            "di.scope.open-close": [.atMost(200)],
            "di.build.1000x10": [.atMost(200_000_000)],
            // The dispatch-core issue's targets, against what the spec makes any dispatch pay.
            "bus.invoke.0behaviors": bus + [.competitorAtMost(1.5, label: "floor")],
            "bus.invoke.3behaviors": bus + [.competitorAtMost(2, label: "floor")],
            "bus.publish.2handlers": bus + [.competitorAtMost(2, label: "floor")],
            "bus.nested": bus,
            "queue.throughput.c1": [.fasterThanPeer(50)],
            "queue.throughput.c4": [.atLeast(500_000), .fasterThanPeer(50, fallback: "queue.throughput.c1")],
            "durable.sqlite.throughput": durable,
            "durable.postgres.throughput": postgres,
            "durable.postgres.throughput.2proc": postgres,
            "durable.postgres.grouped50": [.slowdownAtMost(2, label: "ungrouped")],
            "durable.postgres.batch1000": [.atLeast(50_000)],
            "durable.postgres.pickup": [.p50AtMost(10_000_000)],
        ]
    }()

    /// Sets `target` and `targetStatus` on every result that has a target. Run after the ratios
    /// and the Python peers were applied.
    static func apply(to results: inout [ScenarioResult]) {
        var byName: [String: ScenarioResult] = [:]
        for result in results { byName[result.name] = result }
        for index in results.indices {
            guard let criteria = byScenario[results[index].name] else { continue }
            let result = results[index]
            let checked = criteria.map { check($0, result, byName) }
            results[index].target = checked.map(\.text).joined(separator: ", ")
            if checked.contains(where: { $0.status == .missed }) {
                results[index].targetStatus = .missed
            } else if checked.allSatisfy({ $0.status == .met }) {
                results[index].targetStatus = .met
            } else {
                results[index].targetStatus = .unmeasured
            }
        }
    }

    private static func check(
        _ criterion: Criterion, _ result: ScenarioResult, _ byName: [String: ScenarioResult]
    ) -> (text: String, status: Status) {
        func status(_ ok: Bool?) -> Status { ok.map { $0 ? .met : .missed } ?? .unmeasured }
        switch criterion {
        case .atMost(let value):
            let text = result.unit == .nanosPerOp ? "≤ \(targetNanos(value))" : "≤ \(grouped(value, decimals: 0)) \(result.unit.rawValue)"
            return (text, status(result.median.map { $0 <= value }))
        case .atLeast(let value):
            return ("≥ \(grouped(value, decimals: 0)) \(result.unit.rawValue)", status(result.median.map { $0 >= value }))
        case .baselineAtMost(let factor, let label):
            return ("≤ \(grouped(factor, decimals: 0))× \(label)", status(result.ratio.map { $0 <= factor }))
        case .competitorAtMost(let factor, let label):
            let text = "≤ \(grouped(factor, decimals: factor.rounded() == factor ? 0 : 1))× \(label)"
            return (text, status(result.competitorRatio.map { $0 <= factor }))
        case .slowdownAtMost(let factor, let label):
            let slowdown = result.ratio.flatMap { ratio -> Double? in
                guard ratio > 0 else { return nil }
                return result.unit.lowerIsBetter ? ratio : 1 / ratio
            }
            return ("within \(grouped(factor, decimals: 0))× of \(label)", status(slowdown.map { $0 <= factor }))
        case .p50AtMost(let value):
            return ("p50 ≤ \(targetNanos(value))", status(result.p50.map { $0 <= value }))
        case .fasterThanPeer(let factor, let fallback):
            var text = "≥ \(grouped(factor, decimals: 0))× waku 0.42"
            if let fallback { text += " (its \(fallback.split(separator: ".").last ?? ""))" }
            return (text, status(fasterThanPeer(result, fallback: fallback, byName).map { $0 >= factor }))
        }
    }

    /// A target duration as the issues state it: `50 ns`, `0.4 µs`, `200 ms`.
    static func targetNanos(_ nanos: Double) -> String {
        func trimmed(_ value: Double) -> String {
            var text = String(format: "%.2f", value)
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
            return text
        }
        switch nanos {
        case ..<100: return "\(trimmed(nanos)) ns"
        case ..<1_000_000: return "\(trimmed(nanos / 1_000)) µs"
        case ..<1_000_000_000: return "\(trimmed(nanos / 1_000_000)) ms"
        default: return "\(trimmed(nanos / 1_000_000_000)) s"
        }
    }

    /// How many times faster than Python waku's matching scenario (or `fallback`'s) ours is.
    static func fasterThanPeer(_ result: ScenarioResult, fallback: String?, _ byName: [String: ScenarioResult]) -> Double? {
        let names = [result.name] + (fallback.map { [$0] } ?? [])
        for name in names {
            guard let peer = byName[PythonPeer.prefix + name], peer.unit == result.unit,
                  let theirs = peer.median, let ours = result.median, theirs > 0, ours > 0
            else { continue }
            return result.unit.lowerIsBetter ? theirs / ours : ours / theirs
        }
        return nil
    }
}
