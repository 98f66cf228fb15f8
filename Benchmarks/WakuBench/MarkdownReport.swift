import Foundation

/// `--markdown PATH`: the performance table as Markdown, from the same results as the JSON:
/// where and how it was measured, then one row per swift-waku scenario with its median,
/// p50/p99 where measured, its baseline and ratio, the Python ratio and the target.
/// `scripts/perf-table` puts it between the README's perf-table markers.
enum MarkdownReport {
    /// Prefixes of the reference scenarios, shown in their scenario's baseline cell, not as rows.
    static let referencePrefixes = ["handwired.", "swinject.", PythonPeer.prefix]

    /// Writes the table to `path`, or prints it when `path` is `-`.
    static func write(_ results: [ScenarioResult], context: Context, to path: String) throws {
        let text = render(results, context: context)
        if path == "-" {
            print("")
            print(text, terminator: "")
        } else {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
    }

    /// What the header says about the run.
    struct Context {
        let machine: MachineInfo
        let command: String
        let quick: Bool
        let peers: Bool
        let loadAtStart: String?
        /// The PostgreSQL server's settings, when PostgreSQL scenarios ran.
        var postgres: PostgresServerSettings?
    }

    static func render(_ results: [ScenarioResult], context: Context) -> String {
        var byName: [String: ScenarioResult] = [:]
        for result in results { byName[result.name] = result }
        var lines = header(context)
        lines.append("")
        lines.append("| scenario | unit | median | p50 | p99 | baseline | vs baseline | vs waku 0.42 | target | met? |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        let rows = results.filter { result in !referencePrefixes.contains { result.name.hasPrefix($0) } }
        for result in rows {
            lines.append(row(result, byName))
        }
        let notes = rows.compactMap { result -> String? in
            guard let note = result.note, result.skipped == nil else { return nil }
            return "- `\(result.name)`: \(escaped(note))"
        }
        let skipped = rows.filter { $0.skipped != nil }
        if !notes.isEmpty || !skipped.isEmpty {
            lines.append("")
            lines += notes
            if let reason = skipped.first?.skipped {
                lines.append("- Not measured in this run: " + skipped.map { "`\($0.name)`" }.joined(separator: ", ") + " (\(escaped(reason))).")
            }
        }
        if rows.contains(where: { $0.name.hasPrefix("durable.") }) {
            lines.append("")
            lines.append("""
                Python waku 0.42 has no durable delivery (its only endpoint is an in-memory local queue with one \
                worker; it has no outbox or store-backed endpoint), so the `durable.*` rows have no Python column.
                """)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func header(_ context: Context) -> [String] {
        let machine = context.machine
        let date = machine.date.prefix(16).replacingOccurrences(of: "T", with: " ") + " UTC"
        var cpu = "\(machine.activeCores) cores"
        if let model = machine.cpuModel { cpu += " (\(model))" }
        var first = "Measured with `\(context.command)` on \(date), \(cpu)"
        if context.quick { first += ", in quick mode (few iterations: indicative numbers)" }
        var lines = [first + "."]
        if let load = context.loadAtStart, let oneMinute = Double(load.split(separator: " ").first ?? "") {
            if oneMinute > Double(machine.activeCores) {
                lines.append("""
                    **Load average \(load) at the start, above the \(machine.activeCores) cores: other processes competed for \
                    the CPU**, so absolute numbers are inflated; the ratios from the same run are what to read.
                    """)
            } else {
                lines.append("Load average \(load) at the start.")
            }
        }
        lines.append("""
            ns/op and B/msg: lower is better; msg/s: higher is better. "vs baseline" is our median ÷ the \
            baseline's median from the same run; "vs waku 0.42" is ours ÷ Python waku 0.42's, same run, with how many \
            times faster we are. p50/p99 are per-operation (or, for `queue.latency.*` and `durable.*`, per-message \
            publish-to-handler; for `durable.postgres.throughput.2proc*`, persisted to finalized or logged; for \
            `durable.postgres.pickup`, insert committed to handler started in another process) latencies.
            """)
        if let postgres = context.postgres {
            if postgres.isDurable {
                lines.append("""
                    PostgreSQL rows: PostgreSQL \(postgres.version) with `\(postgres.durability)` (read from the server): \
                    production durability, every commit waits for its WAL flush.
                    """)
            } else {
                lines.append("""
                    **PostgreSQL rows: PostgreSQL \(postgres.version) with `\(postgres.durability)` (read from the server): not \
                    durable, commits do not wait for the disk, so these numbers are higher than production gets.**
                    """)
            }
        }
        if !context.peers {
            lines.append("Run without `--peers`: the Python comparisons, and the targets that need them, are not measured.")
        }
        return lines
    }

    private static func row(_ result: ScenarioResult, _ byName: [String: ScenarioResult]) -> String {
        var cells = ["`\(result.name)`", result.unit.rawValue]
        if result.skipped != nil {
            cells += ["skipped", "–", "–"]
        } else if result.median == nil {
            cells += ["failed", "–", "–"]
        } else {
            cells += [value(result.median, result.unit), result.p50.map(formatNanos) ?? "–", result.p99.map(formatNanos) ?? "–"]
        }
        var references: [String] = []
        for name in [result.baseline, result.competitor].compactMap({ $0 }) {
            let reference = byName[name]
            references.append("`\(name)` " + value(reference?.median, reference?.unit ?? result.unit))
        }
        cells.append(references.isEmpty ? "–" : references.joined(separator: "; "))
        // A row with a competitor and no baseline (durable.postgres.throughput) shows "– (floor 0.68)".
        var ratio = result.ratio == nil ? "–" : formatRatio(result.ratio)
        if let competitor = result.competitor, let competitorRatio = result.competitorRatio {
            ratio += " (\(competitor.split(separator: ".").first ?? "") \(formatRatio(competitorRatio)))"
        }
        cells.append(ratio)
        cells.append(peerCell(result, byName))
        cells.append(result.target ?? "")
        cells.append(result.targetStatus?.label ?? "")
        return "| " + cells.joined(separator: " | ") + " |"
    }

    private static func peerCell(_ result: ScenarioResult, _ byName: [String: ScenarioResult]) -> String {
        guard let peerName = result.peer, let peer = byName[peerName] else { return "–" }
        guard peer.median != nil else { return "waku has none" }
        guard let ratio = result.peerRatio, let faster = Targets.fasterThanPeer(result, fallback: nil, byName) else { return "–" }
        // msg/s: the ratio is the factor already.
        return result.unit.lowerIsBetter ? "\(formatRatio(ratio)) (\(grouped(faster))×)" : "\(grouped(faster))×"
    }

    /// A value in its unit: ns as readable durations from a microsecond up, as p50/p99 are.
    private static func value(_ value: Double?, _ unit: MeasureUnit) -> String {
        guard let value, value.isFinite else { return "–" }
        if unit == .nanosPerOp, value >= 1_000 { return formatNanos(value) }
        return formatValue(value, unit)
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
