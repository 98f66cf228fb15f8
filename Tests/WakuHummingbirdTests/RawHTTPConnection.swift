#if Hummingbird
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One TCP connection to 127.0.0.1 that sends bytes exactly as given (an HTTP/1.0 request, say)
/// and reads what comes back: what `ab` or a load balancer's health check does, below any HTTP
/// client library that would pick the version and headers itself.
///
/// Its socket calls block, so each runs on a thread of its own: blocking the few threads of Swift
/// concurrency's pool would starve the server under test, whose handlers run there too.
final class RawHTTPConnection: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// What a read returned.
    enum Read: Equatable {
        /// Bytes arrived.
        case bytes(Data)
        /// The server closed its side: the end of the stream.
        case closed
        /// Nothing arrived within the read timeout, and the connection is still open.
        case timedOut
    }

    private let socket: Int32

    /// Connects to `port`; each read waits at most `readTimeout`.
    init(port: Int, readTimeout: Duration = .seconds(10)) throws {
        #if canImport(Darwin)
        socket = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #else
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard socket >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        let seconds = readTimeout.components.seconds
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure(description: "connect to 127.0.0.1:\(port) failed: errno \(errno)")
        }
    }

    deinit { close(socket) }

    /// Sends `text` as it is.
    func send(_ text: String) async throws {
        try await Self.onThread { try self.sendBlocking(text) }
    }

    /// One read: bytes, the end of the stream, or a timeout.
    func read() async throws -> Read {
        try await Self.onThread { try self.readBlocking() }
    }

    /// Reads one response whose body has a `Content-Length`: its head and body as text.
    func readResponse() async throws -> String {
        try await Self.onThread { try self.readResponseBlocking() }
    }

    /// Runs `work` on a new thread and returns what it returned.
    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    private func sendBlocking(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { write(socket, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure(description: "write failed: errno \(errno)") }
            sent += count
        }
    }

    private func readBlocking() throws -> Read {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        if count > 0 { return .bytes(Data(buffer[0..<count])) }
        if count == 0 { return .closed }
        if errno == EAGAIN || errno == EWOULDBLOCK { return .timedOut }
        throw Failure(description: "read failed: errno \(errno)")
    }

    private func readResponseBlocking() throws -> String {
        var data = Data()
        while true {
            if let text = String(data: data, encoding: .utf8), let end = text.range(of: "\r\n\r\n") {
                let head = text[..<end.lowerBound].lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if text[end.upperBound...].utf8.count >= length { return text }
            }
            switch try readBlocking() {
            case .bytes(let bytes): data.append(bytes)
            case .closed: throw Failure(description: "closed before a whole response: \(String(decoding: data, as: UTF8.self))")
            case .timedOut: throw Failure(description: "no whole response in time: \(String(decoding: data, as: UTF8.self))")
            }
        }
    }
}
#endif
