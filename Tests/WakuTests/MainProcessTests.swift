import Foundation
import Testing

/// `WakuApplication.main { … }`, as the Getting Started article uses it, run as a real program:
/// the `waku-getting-started` binary.
@Suite("WakuApplication.main, run as a process")
struct MainProcessTests {
    @Test func aStartupErrorIsPrintedToStandardErrorAndTheProgramExitsWithStatusOne() throws {
        let run = try Self.run(["--without-settings"])
        #expect(run.status == 1, "\(run)")
        #expect(run.standardError.hasPrefix("waku-getting-started: Waku start-up failed with 1 problem:\n"), "\(run)")
        #expect(run.standardError.contains("[missing dependency] scoped GreetingService in module GreetingsModule depends on Settings"), "\(run)")
        #expect(run.standardError.contains("    fix: "), "\(run)")
        // Not the trap of an error thrown out of `main`.
        #expect(!run.standardError.contains("Fatal error"), "\(run)")
        #expect(run.standardError.split(separator: "\n").count == 3, "\(run)")
        #expect(run.standardOutput.isEmpty, "\(run)")
    }

    @Test func aProgramThatSucceedsRunsItsBodyAndExitsWithStatusZero() throws {
        let run = try Self.run([])
        #expect(run.status == 0, "\(run)")
        #expect(run.standardOutput == "Hello, Ada!\n", "\(run)")
        #expect(run.standardError.isEmpty, "\(run)")
    }

    struct Run: CustomStringConvertible {
        let status: Int32
        let standardOutput: String
        let standardError: String
        var description: String { "status \(status)\nstdout:\n\(standardOutput)\nstderr:\n\(standardError)" }
    }

    static func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The outputs are a few lines: reading each to its end cannot fill the other's pipe.
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self))
    }

    /// The binary next to the test bundle, where `swift build` puts every product.
    static func binary() throws -> URL {
        let name = "waku-getting-started"
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent(name))
            directory = directory.deletingLastPathComponent()
        }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw BinaryMissing(searched: candidates.map(\.path))
        }
        return found
    }

    struct BinaryMissing: Error, CustomStringConvertible {
        let searched: [String]
        var description: String {
            "waku-getting-started is not built. Run `swift build --product waku-getting-started` (with the same "
                + "--scratch-path as the tests) first. Looked in:\n  " + searched.joined(separator: "\n  ")
        }
    }
}
