/// `invoke` or `send` of a request type that has no handler.
public struct RequestHandlerNotFound: Error, Sendable, CustomStringConvertible {
    /// The stable name of the request type that has no handler.
    public let messageType: String
    /// What is missing and the `bindRequest` call that fixes it.
    public var description: String {
        "No handler is bound for request \(messageType). Bind one with "
            + "`MessagingExtension().bindRequest(\(messageType).self, <Handler>.self)` in a module of the app."
    }
}

/// Reading ``MessageContext/current`` through the throwing accessor outside a dispatch.
public struct NoActiveMessageContext: Error, Sendable, CustomStringConvertible {
    /// Where `MessageContext` is available, and the optional accessor to use elsewhere.
    public var description: String {
        "No message dispatch is active: MessageContext is only available inside a handler or pipeline behavior. "
            + "Use `MessageContext.current` (optional) outside a dispatch."
    }
}

/// A handler produced a response of an unexpected type. Only possible when a request's static
/// type differs from its runtime type (for example a class hierarchy of requests).
public struct ResponseTypeMismatch: Error, Sendable, CustomStringConvertible {
    /// The stable name of the request type whose handler answered.
    public let messageType: String
    /// The name of the response type the caller expected.
    public let expected: String
    /// Which request returned the wrong type, and that invoking it through its concrete type fixes
    /// it.
    public var description: String {
        "The handler of \(messageType) did not return \(expected). Dispatch is by the exact runtime type; "
            + "invoke the request through its concrete type."
    }
}
