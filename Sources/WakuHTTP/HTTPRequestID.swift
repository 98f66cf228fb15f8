/// The id of one HTTP request, supplied to its Waku request scope as a context value.
///
/// It is the id the HTTP framework attaches to the request's logger (`hb.request.id` in
/// Hummingbird, `request-id` in Vapor), so log lines and services agree. Declare
/// `contextual(HTTPRequestID.self)` (or import the integration's `HTTPRequestContextModule`) to
/// inject it:
///
/// ```swift
/// final class AuditLog: Sendable {
///     init(requestID: HTTPRequestID) { … }
/// }
/// ```
public struct HTTPRequestID: Sendable, Hashable, CustomStringConvertible {
    /// The id as the HTTP framework logs it.
    public let value: String

    /// Wraps an id; the integration's middleware makes one from the framework's request id.
    public init(_ value: String) {
        self.value = value
    }

    /// The id itself.
    public var description: String { value }
}
