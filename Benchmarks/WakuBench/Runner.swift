import Foundation

/// Runs the selected scenarios one after another, then reports.
///
/// Nonisolated: the scenarios run on the global concurrent executor, where the framework's
/// nonisolated async code runs anyway, so no measured call pays for a hop off the main actor.
enum Runner {
    static func main(_ options: Options) async -> Int32 {
        if let loop = options.loop {
            do {
                try await Loops.run(loop.operation, count: loop.count)
                return 0
            } catch {
                log("--loop \(loop.operation): \(error)")
                return 1
            }
        }
        let plans = options.quick ? Plans.smoke : Plans.full
        if options.list {
            for scenario in Catalog.all(plans) { print(scenario.name) }
            for name in PythonPeer.scenarioNames { print(PythonPeer.prefix + name + "  (with --peers)") }
            return 0
        }
        let scenarios = Catalog.select(filter: options.filter, plans: plans)
        let peerNames = options.peers ? PythonPeer.selected(filter: options.filter) : []
        guard !scenarios.isEmpty || !peerNames.isEmpty else {
            log("no scenario matches '\(options.filter ?? "")' (see --list)")
            return 2
        }

        let machine = MachineInfo.current()
        let loadAtStart = MachineInfo.loadAverage()
        let postgres = await postgresSettings(for: scenarios)
        print(TableReport.header(machine, options: options, timerOverhead: MonotonicClock.readOverhead(), postgres: postgres))
        print("")

        let sink = Sink()
        let runStart = MonotonicClock.now()
        var results: [ScenarioResult] = []
        var failures: [String] = []
        for scenario in scenarios {
            log("\(scenario.name) ...")
            let start = MonotonicClock.now()
            do {
                let measurement = try await scenario.run(plans, sink)
                let seconds = Double(MonotonicClock.now() &- start) / 1e9
                results.append(ScenarioResult(
                    name: scenario.name, unit: measurement.unit, median: measurement.median, p50: measurement.p50,
                    p99: measurement.p99, iterations: measurement.iterations, baseline: scenario.baseline,
                    competitor: scenario.competitor, note: measurement.note))
                log("\(scenario.name): \(formatValue(measurement.median, measurement.unit)) \(measurement.unit.rawValue) (\(String(format: "%.1f", seconds)) s)")
            } catch let skipped as ScenarioSkipped {
                log("\(scenario.name): \(skipped)")
                print("\(scenario.name): \(skipped)")
                var result = ScenarioResult(
                    name: scenario.name, unit: skipped.unit, median: nil, p50: nil, p99: nil, iterations: 0,
                    baseline: scenario.baseline, competitor: scenario.competitor, note: skipped.description)
                result.skipped = skipped.reason
                results.append(result)
            } catch {
                failures.append("\(scenario.name): \(error)")
                log("\(scenario.name) FAILED: \(error)")
                results.append(ScenarioResult(
                    name: scenario.name, unit: .nanosPerOp, median: nil, p50: nil, p99: nil, iterations: 0,
                    baseline: scenario.baseline, competitor: scenario.competitor, note: "FAILED: \(error)"))
            }
            sink.release()
        }
        let swiftSeconds = Double(MonotonicClock.now() &- runStart) / 1e9
        applyRatios(&results)
        for index in results.indices where results[index].skipped == nil && PostgresServerSettings.applies(to: results[index].name) {
            results[index].postgres = postgres
        }

        if !peerNames.isEmpty {
            do {
                let peers = try PythonPeer.run(quick: options.quick, only: peerNames)
                applyPeers(peers, to: &results)
                results += peers
            } catch {
                failures.append("python peer: \(error)")
                log("Python peer FAILED: \(error)")
            }
        }
        Targets.apply(to: &results)

        print("")
        print(TableReport.legend)
        print("")
        print(TableReport.table(results, showPeers: options.peers))
        print("")
        print("sink checksum \(sink.checksum) over \(sink.consumed) results (printed so no measured result can be optimized away)")
        print(String(format: "swift scenarios: %.1f s; total wall time: %.1f s", swiftSeconds, Double(MonotonicClock.now() &- runStart) / 1e9)
            + (MachineInfo.loadAverage().map { "; load average at the end: \($0)" } ?? ""))

        if let path = options.jsonPath {
            do {
                try JSONReport.write(results, to: path)
                print("wrote \(path)")
            } catch {
                failures.append("--json \(path): \(error)")
            }
        }
        if let path = options.markdownPath {
            let context = MarkdownReport.Context(
                machine: machine, command: Options.displayCommand(Array(CommandLine.arguments.dropFirst())),
                quick: options.quick, peers: options.peers, loadAtStart: loadAtStart, postgres: postgres)
            do {
                try MarkdownReport.write(results, context: context, to: path)
                if path != "-" { print("wrote \(path)") }
            } catch {
                failures.append("--markdown \(path): \(error)")
            }
        }
        for failure in failures { log("FAILED: \(failure)") }
        return failures.isEmpty ? 0 : 1
    }

    /// The durability settings of the PostgreSQL server in `WAKU_BENCH_POSTGRES_URL`, read from
    /// it, when a selected scenario runs on it; `nil` otherwise, or when they cannot be read
    /// (the scenarios then report why).
    static func postgresSettings(for scenarios: [Scenario]) async -> PostgresServerSettings? {
        guard scenarios.contains(where: { PostgresServerSettings.applies(to: $0.name) }),
              let url = ProcessInfo.processInfo.environment[BenchDatabase.postgresVariable], !url.isEmpty
        else { return nil }
        do {
            return try await PostgresServerSettings.read(url)
        } catch {
            log("could not read the PostgreSQL server's settings: \(error)")
            return nil
        }
    }

    /// `ratio` against the baseline and `competitorRatio`, both measured in this run.
    static func applyRatios(_ results: inout [ScenarioResult]) {
        var medians: [String: Double] = [:]
        for result in results { medians[result.name] = result.median }
        for index in results.indices {
            if let baseline = results[index].baseline {
                results[index].ratio = medianRatio(results[index].median, medians[baseline])
            }
            if let competitor = results[index].competitor {
                results[index].competitorRatio = medianRatio(results[index].median, medians[competitor])
            }
        }
    }

    /// `peer` and `peerRatio` on ours that have a `python.<name>` counterpart. The ratio is
    /// ours / theirs in the shared unit: ns/op < 1 and msg/s > 1 mean we are faster.
    static func applyPeers(_ peers: [ScenarioResult], to results: inout [ScenarioResult]) {
        var byName: [String: ScenarioResult] = [:]
        for peer in peers { byName[peer.name] = peer }
        for index in results.indices {
            guard let peer = byName[PythonPeer.prefix + results[index].name] else { continue }
            results[index].peer = peer.name
            results[index].peerRatio = peer.unit == results[index].unit ? medianRatio(results[index].median, peer.median) : nil
        }
    }

    /// Progress goes to stderr, so stdout holds only the report.
    static func log(_ message: String) {
        FileHandle.standardError.write(Data("[waku-bench] \(message)\n".utf8))
    }
}
