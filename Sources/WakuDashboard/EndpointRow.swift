#if Hummingbird
/// One endpoint's line on the dashboard.
struct EndpointRow: Sendable {
    var name: String
    /// "local queue" or "durable".
    var kind: String
    /// Deliveries waiting: queued (local) or pending and scheduled rows (durable).
    var depth: Int
    var inFlight: Int
    /// Handled deliveries: by this process since the dashboard started (local), or rows marked
    /// handled in the store by every process (durable).
    var handled: Int
    /// Failed attempts in this process since the dashboard started (a retried delivery counts
    /// once per failed attempt).
    var failed: Int
    /// Dead letters now held for this endpoint.
    var deadLettered: Int
    /// Handled, failed and dead-lettered per minute, oldest first, the current minute last.
    var history: [EndpointActivity.Counts]
    /// Why some numbers are missing (a store that could not be read), shown beside the row.
    var problem: String?
}
#endif
