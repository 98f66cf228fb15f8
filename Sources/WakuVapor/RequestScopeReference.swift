#if Vapor
import Vapor
import Waku

/// What ``WakuScopeMiddleware`` leaves in `Request.storage` for ``RequestWaku``.
///
/// The container is held weakly: the scope's context values hold the `Request`, so a strong
/// reference from the request's storage would be a cycle that keeps both alive forever. The
/// scope's lease holds it strongly for as long as the response is being produced and written.
final class RequestScopeReference: Sendable {
    weak let container: Container?
    let requestID: HTTPRequestID

    init(container: Container, requestID: HTTPRequestID) {
        self.container = container
        self.requestID = requestID
    }

    enum Key: StorageKey {
        typealias Value = RequestScopeReference
    }
}
#endif
