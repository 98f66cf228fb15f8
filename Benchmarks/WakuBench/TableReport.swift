import Foundation
/// The printed report: header, then one table of medians and ratios.
enum TableReport {
    static func header(_ machine: MachineInfo, options: Options, timerOverhead: Double, postgres: PostgresServerSettings? = nil) -> String {
        var lines = ["waku-bench: swift-waku benchmarks"]
        lines.append("command : \(machine.command)")
        lines.append("cwd     : \(machine.directory)")
        lines.append("date    : \(machine.date)")
        var cpu = "\(machine.activeCores) active cores (ProcessInfo.activeProcessorCount; \(machine.totalCores) total)"
        if let model = machine.cpuModel { cpu += ", \(model)" }
        lines.append("machine : \(cpu), \(String(format: "%.1f", machine.memoryGiB)) GiB RAM, host \(machine.host)")
        lines.append("system  : \(machine.system)")
        lines.append("build   : \(machine.build), \(machine.compiler)")
        var mode = options.quick ? "quick (smoke run: few iterations, numbers are indicative only)" : "full"
        if let filter = options.filter { mode += ", filter '\(filter)' (+ the baselines it needs)" }
        if options.peers { mode += ", with the Python peer" }
        lines.append("mode    : \(mode)")
        if let load = MachineInfo.loadAverage() {
            lines.append("load    : \(load) (1/5/15-min load average at start; above \(machine.activeCores) means other processes competed for the cores)")
        }
        lines.append("timer   : clock_gettime(CLOCK_MONOTONIC), \(String(format: "%.0f", timerOverhead)) ns per read (per-op latencies include one read)")
        if let postgres { lines.append("postgres: \(postgres.summary)") }
        return lines.joined(separator: "\n")
    }

    static let legend = """
        median     ns/op: median over batches of each batch's mean time per operation;
                   msg/s: median over runs of the messages handled per second (batch1000:
                   published and committed; floor.durable.*: rows committed);
                   B/msg: median over runs of the memory each queued message holds.
        p50, p99   per-operation latency, where each operation is timed on its own (bus.*,
                   claim.*), or each message's publish-to-handler latency (queue.latency.*,
                   durable.*; durable.postgres.throughput.2proc*: persisted to finalized, or to
                   logged; durable.postgres.pickup: insert committed to handler started in
                   another process); "-" where operations are batch-timed (too short for a
                   clock read each).
        ratio      median / median of the `baseline` scenario, measured in this run.
                   ns/op, B/msg: < 1 is better than the baseline (0.01 = 100x faster); msg/s: > 1 is faster.
        vs         median / median of the second reference (Swinject for di.*), read the same way.
        peer       median / median of python.<same name> (waku 0.42.0), read the same way:
                   ns/op < 1 and msg/s > 1 mean swift-waku is faster.
        target     met / missed / not measured: the issue's target for the scenario (see --markdown).
        """

    static func table(_ results: [ScenarioResult], showPeers: Bool) -> String {
        // The name columns grow to the longest name, so every row stays aligned.
        let nameWidth = max(36, results.map(\.name.count).max() ?? 0)
        let baselineWidth = max(26, results.compactMap(\.baseline?.count).max() ?? 0)
        var columns: [(String, Int, Bool)] = [
            ("scenario", nameWidth, false), ("unit", 6, false), ("median", 14, true), ("p50", 10, true), ("p99", 10, true),
            ("baseline", baselineWidth, false), ("ratio", 8, true), ("vs", 15, false),
        ]
        if showPeers { columns.append(("peer", 8, true)) }
        columns.append(("target", 12, false))
        var lines: [String] = []
        let head = trimmed(columns.map { padded($0.0, $0.1, right: $0.2) }.joined(separator: " "))
        lines.append(head)
        lines.append(String(repeating: "-", count: head.count))
        var printedPeerRule = false
        for result in results {
            if result.isPeer, !printedPeerRule {
                lines.append("-- Python peer: waku 0.42.0 (Benchmarks/python/run.sh) " + String(repeating: "-", count: max(0, head.count - 56)))
                printedPeerRule = true
            }
            var vs = "-"
            if let competitor = result.competitor {
                vs = "\(formatRatio(result.competitorRatio)) \(competitor.split(separator: ".").first ?? "")"
            }
            var cells = [
                result.name, result.unit.rawValue, formatValue(result.median, result.unit),
                result.p50.map(formatNanos) ?? "-", result.p99.map(formatNanos) ?? "-",
                result.baseline ?? "-", formatRatio(result.ratio), vs,
            ]
            if showPeers { cells.append(result.peer == nil ? "-" : formatRatio(result.peerRatio)) }
            cells.append(result.targetStatus?.label ?? "-")
            lines.append(trimmed(zip(cells, columns).map { padded($0, $1.1, right: $1.2) }.joined(separator: " ")))
        }
        let notes = results.compactMap { result in result.note.map { "  \(result.name): \($0)" } }
        if !notes.isEmpty {
            lines.append("")
            lines.append("notes:")
            lines.append(contentsOf: notes)
        }
        return lines.joined(separator: "\n")
    }

    private static func trimmed(_ line: String) -> String {
        var line = line
        while line.last == " " { line.removeLast() }
        return line
    }
}
