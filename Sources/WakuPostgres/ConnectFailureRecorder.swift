#if Postgres
import Foundation
import Logging
import Waku

/// A log handler for the pool's background logger that remembers the last failed connection
/// attempt, then forwards to the store's own handler.
///
/// `PostgresClient` retries failed connections quietly and only logs why they failed; a store
/// built from a `PostgresClient.Configuration` reads it from here to say why start-up failed.
struct ConnectFailureRecorder: LogHandler {
    /// The last "Connection creation failed" error, as the pool logged it.
    final class Box: Sendable {
        private let value = Locked<String?>(nil)
        var last: String? { value.withLock { $0 } }
        func record(_ text: String?) { value.withLock { $0 = text } }
    }

    let box: Box
    var inner: any LogHandler
    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }
    /// At most info: connection failures are logged at info, and are needed even when the
    /// store's logger shows warnings only. Messages below the inner level are not forwarded.
    var logLevel: Logger.Level {
        get { min(inner.logLevel, .info) }
        set { inner.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        if event.message.description == "Connection creation failed", let error = event.metadata?["psql_error"] {
            box.record(Self.summary(of: "\(error)"))
        }
        if event.level >= inner.logLevel {
            inner.log(event: event)
        }
    }

    /// The useful part of a postgres-nio error dump: the server's message and SQLSTATE, or the
    /// connection error.
    static func summary(of text: String) -> String {
        if let message = field("message", in: text) {
            return message + (field("sqlState", in: text).map { " (SQLSTATE \($0))" } ?? "")
        }
        if let range = text.range(of: "underlying: ") {
            return String(text[range.upperBound...].prefix(300))
        }
        return String(text.prefix(300))
    }

    private static func field(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "\(name): ") else { return nil }
        let rest = text[start.upperBound...]
        let end = rest.firstIndex(where: { $0 == "]" }) ?? rest.endIndex
        var value = rest[..<end]
        // The next field starts with ", key: ".
        if let next = value.range(of: #", [a-zA-Z]+: "#, options: .regularExpression) {
            value = value[..<next.lowerBound]
        }
        return value.isEmpty ? nil : String(value)
    }
}
#endif
