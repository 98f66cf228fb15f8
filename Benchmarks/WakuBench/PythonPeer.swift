import Foundation

/// `--peers`: runs the Python framework's benchmark (`Benchmarks/python/run.sh`, waku 0.42.0 in
/// a virtualenv) and turns its JSON into `python.<name>` results.
enum PythonPeer {
    static let prefix = "python."

    /// The scenarios `Benchmarks/python/bench.py` knows; ours with the same name get a `peerRatio`.
    static let scenarioNames = [
        "bus.invoke.0behaviors", "bus.invoke.3behaviors", "bus.publish.2handlers", "bus.nested",
        "queue.throughput.c1", "queue.throughput.c4", "di.transient3", "di.singleton",
    ]

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The Python scenarios selected by `filter` (matched against `name` and `python.name`).
    static func selected(filter: String?) -> [String] {
        guard let filter, !filter.isEmpty else { return scenarioNames }
        return scenarioNames.filter { $0.contains(filter) || (prefix + $0).contains(filter) }
    }

    /// Runs the peer and returns its results. Its own table is echoed, indented, to stdout; its
    /// progress and virtualenv messages go to stderr.
    static func run(quick: Bool, only names: [String]) throws -> [ScenarioResult] {
        let script = try locateScript()
        let jsonPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("waku-bench-python-\(ProcessInfo.processInfo.processIdentifier).json").path
        defer { try? FileManager.default.removeItem(atPath: jsonPath) }

        var arguments = ["bash", script, "--json", jsonPath, "-v"]
        if quick { arguments.append("--quick") }
        if names.count != scenarioNames.count { arguments += ["--only", names.joined(separator: ",")] }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        FileHandle.standardError.write(Data("[waku-bench] running the Python peer: \(arguments.map(shellQuoted).joined(separator: " "))\n".utf8))
        let start = MonotonicClock.now()
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let seconds = Double(MonotonicClock.now() &- start) / 1e9

        let text = String(decoding: printed, as: UTF8.self)
        print("\nPython peer output (\(String(format: "%.1f", seconds)) s):")
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            print("  | \(line)")
        }
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(script) exited with status \(process.terminationStatus)")
        }
        return try parse(Data(contentsOf: URL(fileURLWithPath: jsonPath)))
    }

    /// `WAKU_BENCH_PYTHON_PEER`, else `Benchmarks/python/run.sh` under the working directory,
    /// else next to this source file's directory (the package checkout it was built from).
    static func locateScript() throws -> String {
        let fileManager = FileManager.default
        var candidates: [String] = []
        if let path = ProcessInfo.processInfo.environment["WAKU_BENCH_PYTHON_PEER"] { candidates.append(path) }
        candidates.append(fileManager.currentDirectoryPath + "/Benchmarks/python/run.sh")
        let sourceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(sourceDirectory.appendingPathComponent("python/run.sh").path)
        guard let found = candidates.first(where: { fileManager.fileExists(atPath: $0) }) else {
            throw Failure(description: "Benchmarks/python/run.sh not found (looked at \(candidates.joined(separator: ", ")))")
        }
        return found
    }

    /// bench.py's JSON: `[{name, unit, median, p99, iterations[, unsupported]}]`.
    static func parse(_ data: Data) throws -> [ScenarioResult] {
        guard let array = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Failure(description: "the Python peer's JSON is not an array of objects")
        }
        return try array.map { object in
            guard let name = object["name"] as? String else { throw Failure(description: "a Python result has no name") }
            let unit = MeasureUnit(rawValue: object["unit"] as? String ?? "") ?? .nanosPerOp
            return ScenarioResult(
                name: prefix + name, unit: unit, median: double(object["median"]), p50: nil, p99: double(object["p99"]),
                iterations: (object["iterations"] as? NSNumber)?.intValue ?? 0,
                baseline: nil, competitor: nil,
                note: (object["unsupported"] as? String).map { "unsupported: \($0)" })
        }
    }

    private static func double(_ value: Any?) -> Double? {
        guard let number = value as? NSNumber, !(value is NSNull) else { return nil }
        return number.doubleValue
    }
}
