import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An example server run as a child process (PORT=0, LOG_LEVEL=info), its output captured in a file.
package final class ExampleProcess: @unchecked Sendable {
    // @unchecked: `process` is started in init, then only read through Foundation's synchronized API.
    let process = Process()
    let outputURL: URL

    /// Starts `binary`, found next to the test bundle, with `environment` added to this process's.
    /// OpenTelemetry is off unless `environment` sets `OTEL_SDK_DISABLED`, so no test exports to a
    /// collector by accident.
    package init(binary name: String, environment extra: [String: String] = [:]) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("waku-example-tests", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        outputURL = directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        process.executableURL = try Self.binary(name)
        var environment = ProcessInfo.processInfo.environment
        environment["PORT"] = "0"
        environment["LOG_LEVEL"] = "info"
        environment["OTEL_SDK_DISABLED"] = "true"
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? output.close()
    }

    /// Everything the process printed so far.
    package var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    /// The metadata of the first log line containing `message`, as swift-log's stream handler
    /// prints it (`… key=value key=value [module] message`); `nil` if no line contains it.
    package func logLine(containing message: String) -> [String: String]? {
        guard let line = output.split(separator: "\n").first(where: { $0.contains(message) }) else { return nil }
        var metadata: [String: String] = [:]
        for word in line.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else { continue }
            metadata[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return metadata
    }

    /// The port from the server's log line, the digits after `marker`
    /// (Hummingbird: "listening on 127.0.0.1:", Vapor: "Server started on http://127.0.0.1:").
    package func waitForPort(after marker: String, timeout: Duration) async -> Int? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = output
            if let range = text.range(of: marker) {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits), port > 0 { return port }
            }
            if !process.isRunning { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// SIGTERM: a graceful shutdown.
    package func terminate() { kill(process.processIdentifier, SIGTERM) }

    /// SIGKILL, if it is still running.
    package func forceStop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The exit status, or `nil` (after SIGKILL) when it did not exit in time.
    package func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            forceStop()
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The binary `name`, built next to this test bundle by `swift build` / `swift test`.
    static func binary(_ name: String) throws -> URL {
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent(name))
            directory = directory.deletingLastPathComponent()
        }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
            return found
        }
        throw ExampleBinaryMissing(name: name, searched: candidates.map(\.path))
    }
}
