#if Hummingbird
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The example is run as a real client would: the `waku-http-example` binary on port 0, plain HTTP on
/// 127.0.0.1, then SIGTERM.
@Suite("waku-http-example, run as a process")
struct ExampleProcessTests {
    @Test("places an order, reads it back, sees the fan-out, and shuts down gracefully on SIGTERM")
    func example() async throws {
        let example = try ExampleProcess()
        defer { example.forceStop() }
        let port = try #require(await example.waitForPort(timeout: .seconds(60)), "no port in:\n\(example.output)")
        let client = LoopbackClient(port: port)
        defer { client.close() }

        #expect(try await client.get("/health").text == "ok")
        try await expectHTTP10HealthCloses(port: port)
        let placed = try await client.post(
            "/orders", json: #"{"customerId": "customer-7", "items": [{"sku": "tea", "quantity": 2}, {"sku": "cups", "quantity": 1}]}"#)
        #expect(placed.status == 201, "\(placed.text)")
        let orderId = try #require(placed.location?.split(separator: "/").last.map(String.init))

        let order = try await client.get("/orders/\(orderId)")
        #expect(order.status == 200)
        let view = try #require(try JSONSerialization.jsonObject(with: order.body) as? [String: Any])
        #expect(view["id"] as? String == orderId)
        #expect(view["customerId"] as? String == "customer-7")
        #expect((view["items"] as? [Any])?.count == 2)
        let placedByRequest = try #require(view["placedByRequest"] as? String)
        #expect(!placedByRequest.isEmpty)

        // The handlers log plainly; the `.waku` metadata provider the example bootstraps adds the
        // request id and the message ids to their lines.
        let placedLine = try #require(example.logLine(containing: "Order placed"), "\(example.output)")
        #expect(placedLine["http.request.id"] == placedByRequest, "\(placedLine)")
        #expect(placedLine["order.id"] == orderId, "\(placedLine)")
        let correlation = try #require(placedLine["waku.message.correlation_id"], "\(placedLine)")
        #expect(placedLine["waku.message.id"] == correlation, "the request is the root message: \(placedLine)")
        let emailLine = try #require(example.logLine(containing: "Confirmation email sent"), "\(example.output)")
        #expect(emailLine["http.request.id"] == placedByRequest, "\(emailLine)")
        #expect(emailLine["waku.message.correlation_id"] == correlation, "\(emailLine)")
        #expect(emailLine["waku.message.causation_id"] == correlation, "\(emailLine)")
        #expect(emailLine["waku.message.type"]?.hasSuffix("OrderPlaced") == true, "\(emailLine)")

        #expect(try await client.get("/orders/order-0").status == 404)
        #expect(try await client.post("/orders", json: #"{"customerId": "c", "items": []}"#).status == 400)

        let stats = try #require(try JSONSerialization.jsonObject(with: try await client.get("/stats").body) as? [String: Int])
        #expect(stats == ["ordersPlaced": 1, "itemsOrdered": 3, "confirmationsSent": 1])
        client.close()

        example.terminate()
        let status = await example.waitForExit(timeout: .seconds(30))
        #expect(status == 0, "\(example.output)")
        #expect(example.output.contains("Waku application closed"), "\(example.output)")
        #expect(example.output.contains("waku-http-example stopped"), "\(example.output)")
    }
}

/// The `waku-http-example` child process, its output captured in a file.
final class ExampleProcess: @unchecked Sendable {
    // @unchecked: `process` is started in init, then only read through Foundation's synchronized API.
    let process = Process()
    let outputURL: URL

    /// Runs the example with `environment` added to this process's. OpenTelemetry is off unless
    /// the caller sets `OTEL_SDK_DISABLED` itself, so no test exports to a collector by accident.
    init(environment extra: [String: String] = [:]) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("waku-hummingbird-tests", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        outputURL = directory.appendingPathComponent("example-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        process.executableURL = try Self.binary()
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

    var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    /// The metadata of the first log line containing `message`, as swift-log's stream handler
    /// prints it (`… key=value key=value [module] message`); `nil` if no line contains it.
    func logLine(containing message: String) -> [String: String]? {
        guard let line = output.split(separator: "\n").first(where: { $0.contains(message) }) else { return nil }
        var metadata: [String: String] = [:]
        for word in line.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else { continue }
            metadata[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return metadata
    }

    /// The port from Hummingbird's "Server started and listening on 127.0.0.1:PORT" line.
    func waitForPort(timeout: Duration) async -> Int? {
        let marker = "listening on 127.0.0.1:"
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
    func terminate() { kill(process.processIdentifier, SIGTERM) }

    /// SIGKILL, if it is still running.
    func forceStop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    func waitForExit(timeout: Duration) async -> Int32? {
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

    /// `waku-http-example`, built next to this test bundle by `swift build` / `swift test`.
    static func binary() throws -> URL {
        let name = "waku-http-example"
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
        throw ExampleBinaryMissing(searched: candidates.map(\.path))
    }
}

struct ExampleBinaryMissing: Error, CustomStringConvertible {
    let searched: [String]
    var description: String {
        "waku-http-example is not built. Run `swift build --product waku-http-example` (with the same --scratch-path "
            + "as the tests) first. Looked in:\n  " + searched.joined(separator: "\n  ")
    }
}
#endif
