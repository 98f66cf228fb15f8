import Foundation
public import Logging
import Waku

/// The metadata provider that correlates log lines with Waku's requests and messages.
extension Logger.MetadataProvider {
    /// Adds the current HTTP request's id and the current message's ids to every log line, so
    /// handlers need not add them by hand.
    ///
    /// Install it once, when the process bootstraps logging:
    ///
    /// ```swift
    /// LoggingSystem.bootstrap(StreamLogHandler.standardOutput, metadataProvider: .waku)
    /// // or, beside another provider:
    /// LoggingSystem.bootstrap(StreamLogHandler.standardOutput, metadataProvider: .multiplex([.waku, otherProvider]))
    /// ```
    ///
    /// A line written inside an HTTP request (see `WakuLogMetadata.requestID`) carries
    /// `http.request.id`. A line written inside a handler or a pipeline behavior, inline or on an
    /// endpoint's worker, carries the dispatch's ``MessageContext``: `waku.message.id`,
    /// `waku.message.correlation_id`, `waku.message.type`, `waku.message.causation_id` (not for a
    /// root message, which is its own cause) and, on a worker, `waku.endpoint`. Keys are those of
    /// `WakuLogMetadata.Key`. Outside both, it adds nothing.
    ///
    /// Metadata given at the call site (`logger.info("…", metadata: […])`) wins over the
    /// provider's when keys collide.
    public static let waku = Logger.MetadataProvider {
        var metadata: Logger.Metadata = [:]
        if let requestID = WakuLogMetadata.requestID {
            metadata[WakuLogMetadata.Key.httpRequestID] = .string(requestID)
        }
        if let context = MessageContext.current {
            // Lazy values: a UUID is formatted only if a handler writes the line.
            let envelope = context.envelope
            metadata[WakuLogMetadata.Key.messageID] = .stringConvertible(envelope.messageId)
            metadata[WakuLogMetadata.Key.correlationID] = .stringConvertible(envelope.correlationId)
            if envelope.causationId != envelope.messageId {
                metadata[WakuLogMetadata.Key.causationID] = .stringConvertible(envelope.causationId)
            }
            metadata[WakuLogMetadata.Key.messageType] = .string(envelope.messageType)
            if let endpoint = context.endpoint {
                metadata[WakuLogMetadata.Key.endpoint] = .string(endpoint)
            }
        }
        return metadata
    }
}
