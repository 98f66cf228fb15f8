#if Hummingbird
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle
import Testing
import Waku
import WakuHummingbird
import WakuTesting

/// Runs a Hummingbird app with `server` on 127.0.0.1 (a free port) for the duration of `body`,
/// its routes inside Waku request scopes as the example's are.
func withLoopbackServer<R: Sendable>(
    server: HTTPServerBuilder, _ body: @Sendable (Int) async throws -> R
) async throws -> R {
    try await withShop { waku in
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let router = makeShopRouter(waku: waku)
        router.get("/health") { _, _ in "ok" }
        let http = Application(
            router: router, server: server,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: quietLogger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [http], logger: quietLogger))
        return try await withThrowingTaskGroup(of: R?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let result = try await body(port)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }
}

/// The response's header `name`, lowercased, or `nil`.
func header(_ name: String, in response: String) -> String? {
    let head = response.components(separatedBy: "\r\n\r\n").first ?? ""
    return head.split(separator: "\r\n").dropFirst().first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
        .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces).lowercased() }
}

/// `GET /health HTTP/1.0`, as `ab` sends it: the answer is `ok` with `Connection: close`, and then
/// the server closes the socket.
func expectHTTP10HealthCloses(port: Int) async throws {
    let connection = try RawHTTPConnection(port: port)
    try await connection.send("GET /health HTTP/1.0\r\n\r\n")
    let response = try await connection.readResponse()
    #expect(response.hasSuffix("\r\n\r\nok"), "\(response)")
    #expect(header("connection", in: response) == "close", "\(response)")
    // The end of the stream, not a read timeout: the server closed its side.
    #expect(try await connection.read() == .closed)
}

@Suite("HTTP/1.0 connections with .http1WithHTTP10KeepAlive()", .timeLimit(.minutes(1)))
struct HTTP10ConnectionTests {
    @Test("an HTTP/1.0 request without keep-alive gets `Connection: close`, and the server closes the socket after the response")
    func http10Closes() async throws {
        try await withLoopbackServer(server: .http1WithHTTP10KeepAlive()) { port in try await expectHTTP10HealthCloses(port: port) }
    }

    @Test("an HTTP/1.0 keep-alive request gets `Connection: keep-alive`, and the connection serves the next request")
    func http10KeepAliveStaysOpen() async throws {
        try await withLoopbackServer(server: .http1WithHTTP10KeepAlive()) { port in
            let connection = try RawHTTPConnection(port: port)
            try await connection.send("GET /health HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
            let first = try await connection.readResponse()
            #expect(header("connection", in: first) == "keep-alive", "\(first)")
            try await connection.send("GET /health HTTP/1.0\r\n\r\n")
            let second = try await connection.readResponse()
            #expect(second.hasSuffix("\r\n\r\nok"), "\(second)")
            #expect(header("connection", in: second) == "close", "\(second)")
            #expect(try await connection.read() == .closed)
        }
    }

    @Test("HTTP/1.1: a request saying `Connection: Close` in any case closes; a plain one keeps the connection, untouched")
    func http11() async throws {
        try await withLoopbackServer(server: .http1WithHTTP10KeepAlive()) { port in
            let connection = try RawHTTPConnection(port: port)
            try await connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let kept = try await connection.readResponse()
            #expect(kept.hasPrefix("HTTP/1.1 200"), "\(kept)")
            #expect(header("connection", in: kept) == nil, "\(kept)")
            try await connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: Close\r\n\r\n")
            let closing = try await connection.readResponse()
            #expect(header("connection", in: closing) == "close", "\(closing)")
            #expect(try await connection.read() == .closed)
        }
    }

    @Test("pipelined requests are answered in order, each with its own connection header, the last one closing")
    func pipelined() async throws {
        try await withLoopbackServer(server: .http1WithHTTP10KeepAlive()) { port in
            let connection = try RawHTTPConnection(port: port)
            let rounds = 20
            var requests = ""
            for round in 0..<rounds {
                requests += round.isMultiple(of: 2)
                    ? "GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                    : "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"
            }
            requests += "GET /health HTTP/1.0\r\n\r\n"
            try await connection.send(requests)
            var stream = ""
            while true {
                switch try await connection.read() {
                case .bytes(let bytes): stream += String(decoding: bytes, as: UTF8.self)
                case .closed:
                    let responses = stream.components(separatedBy: "HTTP/1.1 200 OK").dropFirst().map { "HTTP/1.1 200 OK" + $0 }
                    #expect(responses.count == rounds + 1)
                    let connections = responses.map { header("connection", in: $0) }
                    let expected: [String?] = (0..<rounds).map { $0.isMultiple(of: 2) ? "keep-alive" : nil } + ["close"]
                    #expect(connections == expected)
                    return
                case .timedOut:
                    Issue.record("the server neither answered everything nor closed: \(stream)")
                    return
                }
            }
        }
    }
}
#endif
