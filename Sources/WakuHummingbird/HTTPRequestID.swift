#if Hummingbird
/// The id of one HTTP request, supplied to its Waku request scope as a context value.
///
/// It is the id Hummingbird attaches to the request's logger (`hb.request.id`), so log lines and
/// services agree. Declare `contextual(HTTPRequestID.self)` (or import ``HTTPRequestContextModule``)
/// to inject it:
///
/// ```swift
/// final class AuditLog: Sendable {
///     init(requestID: HTTPRequestID) { … }
/// }
/// ```
public struct HTTPRequestID: Sendable, Hashable, CustomStringConvertible {
    /// The id as Hummingbird logs it.
    public let value: String

    /// Wraps an id; the middleware makes one from Hummingbird's request id.
    public init(_ value: String) {
        self.value = value
    }

    /// The id itself.
    public var description: String { value }
}
#endif
