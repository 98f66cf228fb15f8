import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A `waku-worker` child process, its output captured in files (pipes could fill and block it).
final class WorkerProcess: @unchecked Sendable {
    // @unchecked: `process` is only started in init and then read (pid, status), which
    // Foundation's Process synchronizes; the file URLs are immutable.
    let name: String
    let process = Process()
    let outputURL: URL

    /// Starts `waku-worker` with `arguments`.
    init(_ name: String, _ arguments: [String]) throws {
        self.name = name
        let binary = try WorkerProcess.binary()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("waku-worker-tests", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        outputURL = directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? output.close()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    /// SIGTERM: graceful shutdown.
    func terminate() { kill(pid, SIGTERM) }

    /// SIGKILL: a crash.
    func crash() { kill(pid, SIGKILL) }

    /// Waits for the process to exit; returns its status, or nil on timeout (then kills it).
    @discardableResult
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            crash()
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits until the output contains `text`.
    func waitForOutput(_ text: String, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if output.contains(text) { return true }
            if !process.isRunning { return output.contains(text) }
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
