public import Logging
import Waku

/// Keeps the lines written through its loggers, with their metadata, so a test can assert what
/// was logged and wait for a line written by a worker.
///
/// Its loggers are real swift-log loggers with a handler that records instead of printing. They
/// apply a metadata provider the way a bootstrapped handler does, without
/// `LoggingSystem.bootstrap` (which a process may call only once):
///
/// ```swift
/// let logs = LogCapture()
/// let logger = logs.logger(metadataProvider: .waku)
/// // … provide `logger` to the handler under test, dispatch …
/// #expect(await logs.wait { $0.contains { $0.message == "Order placed" } })
/// let line = try #require(logs.lines.first { $0.message == "Order placed" })
/// #expect(line.metadata["waku.message.correlation_id"] == "\(correlationId)")
/// ```
public final class LogCapture: Sendable {
    /// One line as it was logged.
    public struct Line: Sendable {
        /// Its level.
        public let level: Logger.Level
        /// Its message.
        public let message: String
        /// The logger's label.
        public let label: String
        /// Its metadata, each value as text: the logger's own, then the provider's, then the
        /// call site's (a later one wins on a shared key, as in swift-log's stream handler).
        public let metadata: [String: String]
    }

    private let state = Locked<[Line]>([])
    private let changes = ChangeFeed()

    /// An empty capture.
    public init() {}

    /// The lines so far, in the order they were logged.
    public var lines: [Line] { state.withLock { $0 } }

    /// A logger whose lines this capture keeps, at every level from `logLevel` up.
    ///
    /// - Parameters:
    ///   - label: The logger's label.
    ///   - logLevel: The lowest level kept.
    ///   - metadataProvider: Metadata added to every line, as `LoggingSystem.bootstrap` would.
    public func logger(
        label: String = "waku.test", logLevel: Logger.Level = .trace, metadataProvider: Logger.MetadataProvider? = nil
    ) -> Logger {
        var logger = Logger(label: label) { label in
            CapturingLogHandler(label: label, metadataProvider: metadataProvider, capture: self)
        }
        logger.logLevel = logLevel
        return logger
    }

    /// Waits until `condition` holds for the lines so far, checking again after every new line.
    /// Returns `false` if the task is cancelled first or `timeout` passes.
    public func wait(
        timeout: Duration = .seconds(30), isolation: isolated (any Actor)? = #isolation, until condition: ([Line]) throws -> Bool
    ) async rethrows -> Bool {
        try await changes.wait(timeout: timeout) { try condition(lines) }
    }

    fileprivate func append(_ line: Line) {
        state.withLock { $0.append(line) }
        changes.changed()
    }
}

/// The handler behind ``LogCapture``'s loggers: a value, as swift-log expects, that hands each
/// line to its capture.
private struct CapturingLogHandler: LogHandler {
    let label: String
    var metadataProvider: Logger.MetadataProvider?
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    init(label: String, metadataProvider: Logger.MetadataProvider?, capture: LogCapture) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.capture = capture
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let given = event.metadata { merged.merge(given) { $1 } }
        capture.append(LogCapture.Line(
            level: event.level, message: event.message.description, label: label,
            metadata: merged.mapValues { $0.description }))
    }
}
