/// A dispatch reached an endpoint that has stopped accepting (the app is shutting down).
public struct EndpointStopped: Error, Sendable, CustomStringConvertible {
    /// The stopped endpoint's name.
    public let endpoint: String
    /// The stable name of the message type that was not enqueued.
    public let messageType: String
    /// Which endpoint refused which message type.
    public var description: String {
        "Endpoint '\(endpoint)' is stopped and no longer accepts deliveries; \(messageType) was not enqueued."
    }
}

/// A dispatch reached a full endpoint configured with `whenFull: .fail`.
public struct EndpointFull: Error, Sendable, CustomStringConvertible {
    /// The full endpoint's name.
    public let endpoint: String
    /// How many deliveries the endpoint holds at most.
    public let capacity: Int
    /// Which endpoint is full, and the settings that fix it.
    public var description: String {
        "Endpoint '\(endpoint)' is full (capacity \(capacity)). Raise its capacity or concurrency, or use `whenFull: .wait` for backpressure."
    }
}

/// A routed dispatch before the endpoints started (before `app.initialize()` finished).
public struct EndpointNotStarted: Error, Sendable, CustomStringConvertible {
    /// The endpoint's name.
    public let endpoint: String
    /// Which endpoint has not started, and that the app must be initialized first.
    public var description: String {
        "Endpoint '\(endpoint)' has not started yet: endpoints start after app initialization. Call `app.initialize()` (or run the app) first."
    }
}

/// A routed handler attempt took longer than its policy's `attemptTimeout`.
public struct HandlerTimeout: Error, Sendable, CustomStringConvertible {
    /// The name of the handler that timed out.
    public let handler: String
    /// The attempt timeout it exceeded.
    public let timeout: Duration
    /// Which handler exceeded which timeout.
    public var description: String { "Handler \(handler) did not finish within \(timeout)." }
}
