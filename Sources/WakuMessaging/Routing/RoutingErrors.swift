/// A dispatch reached an endpoint that has stopped accepting (the app is shutting down).
public struct EndpointStopped: Error, Sendable, CustomStringConvertible {
    public let endpoint: String
    public let messageType: String
    public var description: String {
        "Endpoint '\(endpoint)' is stopped and no longer accepts deliveries; \(messageType) was not enqueued."
    }
}

/// A dispatch reached a full endpoint configured with `whenFull: .fail`.
public struct EndpointFull: Error, Sendable, CustomStringConvertible {
    public let endpoint: String
    public let capacity: Int
    public var description: String {
        "Endpoint '\(endpoint)' is full (capacity \(capacity)). Raise its capacity or concurrency, or use `whenFull: .wait` for backpressure."
    }
}

/// A routed dispatch before the endpoints started (before `app.initialize()` finished).
public struct EndpointNotStarted: Error, Sendable, CustomStringConvertible {
    public let endpoint: String
    public var description: String {
        "Endpoint '\(endpoint)' has not started yet: endpoints start after app initialization. Call `app.initialize()` (or run the app) first."
    }
}

/// A routed handler attempt took longer than its policy's `attemptTimeout`.
public struct HandlerTimeout: Error, Sendable, CustomStringConvertible {
    public let handler: String
    public let timeout: Duration
    public var description: String { "Handler \(handler) did not finish within \(timeout)." }
}
