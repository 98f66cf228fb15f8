import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A `waku-worker` child process, its output captured in a file (a pipe could fill and block it).
final class WorkerProcess: Sendable {
    let name: String
    let child: ChildProcess

    /// Starts `waku-worker` with `arguments`.
    init(_ name: String, _ arguments: [String]) throws {
        self.name = name
        let binary = try WorkerProcess.binary()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("waku-worker-tests", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let outputPath = directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).log").path
        child = try ChildProcess(binary.path, arguments, outputPath: outputPath)
    }

    var pid: Int32 { child.pid }
    var isRunning: Bool { child.isRunning }
    var output: String { child.output }

    /// SIGTERM: graceful shutdown.
    func terminate() { child.signal(SIGTERM) }

    /// SIGKILL: a crash.
    func crash() { child.signal(SIGKILL) }

    /// Waits for the process to exit; returns its status, or nil on timeout (then kills it).
    @discardableResult
    func waitForExit(timeout: Duration) async -> Int32? {
        await child.waitForExit(timeout: timeout)
    }

    /// The count `--consume` prints as it stops ("waku-worker PID: stopped; handled COUNT job(s)
    /// in …"): the jobs its handler ran. Nil until that line is out.
    var handledCount: Int? {
        let marker = ": stopped; handled "
        guard let line = output.split(separator: "\n").last(where: { $0.contains(marker) }),
              let range = line.range(of: marker) else { return nil }
        return Int(line[range.upperBound...].prefix(while: \.isNumber))
    }

    /// Waits until the output contains `text`.
    func waitForOutput(_ text: String, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if output.contains(text) { return true }
            if !isRunning { return output.contains(text) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Runs `waku-worker` to completion (e.g. `--produce`) and returns its output.
    static func run(_ name: String, _ arguments: [String], timeout: Duration = .seconds(120)) async throws -> String {
        let worker = try WorkerProcess(name, arguments)
        let status = await worker.waitForExit(timeout: timeout)
        try #require(status == 0, "waku-worker \(arguments.joined(separator: " ")) failed (status \(status.map(String.init) ?? "timeout")):\n\(worker.output)")
        return worker.output
    }

    /// The `waku-worker` built next to this test bundle (`swift build` builds it into the same
    /// folder), or a clear failure saying how to build it.
    static func binary() throws -> URL {
        var candidates: [URL] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // macOS runs tests inside `X.xctest/Contents/MacOS/`; Linux runs `X.xctest` itself.
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("waku-worker"))
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("waku-worker"))
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("waku-worker"))
        }
        // Fallback: any scratch folder of this package (`.build`, `.build-pg`, …).
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        if let scratch = try? FileManager.default.contentsOfDirectory(atPath: packageRoot.path) {
            for folder in scratch.sorted() where folder.hasPrefix(".build") {
                candidates.append(packageRoot.appendingPathComponent(folder).appendingPathComponent("debug/waku-worker"))
            }
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
            return found
        }
        throw WorkerBinaryMissing(searched: candidates.map(\.path))
    }
}

struct WorkerBinaryMissing: Error, CustomStringConvertible {
    let searched: [String]
    var description: String {
        "waku-worker is not built. Run `swift build --product waku-worker` (with the same --scratch-path as the tests) before the "
            + "PostgreSQL process tests. Looked in:\n  " + searched.joined(separator: "\n  ")
    }
}
