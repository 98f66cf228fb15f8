#if Postgres
extension PostgresDurableStore {
    /// Tuning and placement of a ``PostgresDurableStore``.
    public struct Options: Sendable {
        /// The PostgreSQL schema for the store's tables (created if missing). `nil` uses the URL's
        /// `schema=` parameter, else the connection's `search_path` (normally `public`).
        public var schema: String?
        /// Connections the pool opens at most. Each running durable handler that uses a unit of
        /// work holds one for its duration, and so does each claim and finalize. Up to half of
        /// them stay leased by the store between its operations, so the next one skips the pool.
        public var maximumConnections: Int
        /// How long opening one connection may take (TCP connect, TLS and login), at start-up and
        /// when the pool reconnects. The URL's `connect_timeout` overrides it.
        public var connectTimeout: Duration
        /// How long an operation waits for a pooled connection before failing with
        /// `DurableStoreUnavailable`, e.g. during an outage while the pool keeps reconnecting.
        /// Durable workers then back off and retry; publishers see the error instead of hanging.
        public var acquireTimeout: Duration

        /// Options with the given schema, pool size and timeouts; the defaults suit a small
        /// service.
        public init(
            schema: String? = nil, maximumConnections: Int = 20, connectTimeout: Duration = .seconds(5),
            acquireTimeout: Duration = .seconds(10)
        ) {
            self.schema = schema
            self.maximumConnections = maximumConnections
            self.connectTimeout = connectTimeout
            self.acquireTimeout = acquireTimeout
        }
    }
}
#endif
