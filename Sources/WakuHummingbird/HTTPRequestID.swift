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
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    public var description: String { value }
}
