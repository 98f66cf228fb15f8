/// Log metadata that Waku and its integrations share: the current HTTP request's id, and the one
/// scheme of metadata keys every Waku log line follows.
///
/// ## The key scheme
///
/// Keys are lowercase and dotted: a namespace (`waku`, or `http` for the request), then the
/// subject, with words inside a part joined by `_` (`waku.message.correlation_id`). No key is
/// the prefix of another, so a handler that nests dotted keys into JSON objects never meets a
/// clash. ``Key`` lists them all; use the constants rather than spelling the strings.
///
/// ## The request id
///
/// ``requestID`` is the id of the HTTP request being handled. An HTTP integration binds it for
/// the duration of the request: `WakuScopeMiddleware` does for Hummingbird, with Hummingbird's
/// own request id. An integration of your own binds it the same way:
///
/// ```swift
/// try await WakuLogMetadata.$requestID.withValue(id) {
///     try await next(request)
/// }
/// ```
///
/// The metadata provider `Logger.MetadataProvider.waku` (WakuMessaging) adds it to every log line
/// written inside that request, under ``Key/httpRequestID``.
public enum WakuLogMetadata {
    /// The id of the HTTP request in progress, or `nil` outside one.
    @TaskLocal public static var requestID: String?

    /// The metadata keys Waku logs with.
    public enum Key {
        /// The HTTP request's id: `http.request.id`.
        public static let httpRequestID = "http.request.id"

        /// The id of the message being handled: `waku.message.id`.
        public static let messageID = "waku.message.id"
        /// The correlation id shared by every message a root message caused: `waku.message.correlation_id`.
        public static let correlationID = "waku.message.correlation_id"
        /// The id of the message whose handling dispatched this one (absent for a root message):
        /// `waku.message.causation_id`.
        public static let causationID = "waku.message.causation_id"
        /// The message type's stable name: `waku.message.type`.
        public static let messageType = "waku.message.type"

        /// The handler a log line is about: `waku.handler`.
        public static let handler = "waku.handler"
        /// The endpoint a routed handler runs on: `waku.endpoint`.
        public static let endpoint = "waku.endpoint"
        /// The attempt number of a delivery, from 1: `waku.attempt`.
        public static let attempt = "waku.attempt"

        /// The error a log line reports: `waku.error`.
        public static let error = "waku.error"
        /// An error of the durable store, reported beside ``error``: `waku.store_error`.
        public static let storeError = "waku.store_error"
        /// An error of a rollback, reported beside the error that caused it: `waku.rollback_error`.
        public static let rollbackError = "waku.rollback_error"

        /// The durable store, as its display name: `waku.store`.
        public static let store = "waku.store"
        /// The durable row a line is about: `waku.row_id`.
        public static let rowID = "waku.row_id"
        /// The PostgreSQL notification channel: `waku.channel`.
        public static let channel = "waku.channel"
        /// The durable store's schema version: `waku.schema_version`.
        public static let schemaVersion = "waku.schema_version"
        /// A lease duration: `waku.lease`.
        public static let lease = "waku.lease"
        /// The wait before trying again: `waku.backoff`.
        public static let backoff = "waku.backoff"
        /// The step of finishing a durable batch that a line is about: `waku.finalize`.
        public static let finalize = "waku.finalize"
        /// A number of deliveries: `waku.deliveries`.
        public static let deliveries = "waku.deliveries"
        /// Deliveries left unfinished at a stop: `waku.unfinished`.
        public static let unfinished = "waku.unfinished"
        /// Deliveries abandoned at a stop: `waku.abandoned`.
        public static let abandoned = "waku.abandoned"
        /// Deliveries drained at a stop: `waku.drained`.
        public static let drained = "waku.drained"

        /// The scope whose cleanup a line reports: `waku.scope`.
        public static let scope = "waku.scope"
        /// The kind of a start-up problem: `waku.issue`.
        public static let issue = "waku.issue"
        /// The modules a start-up problem involves: `waku.modules`.
        public static let modules = "waku.modules"
    }
}
