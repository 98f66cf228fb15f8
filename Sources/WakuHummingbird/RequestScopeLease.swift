#if Hummingbird
import Atomics
import Logging
import Waku

/// Owns one open request scope and closes it exactly once: explicitly, through ``close()``, or when
/// the lease is released without having been closed (a response body that was never written).
final class RequestScopeLease: Sendable {
    let app: WakuApplication
    let scope: Container
    private let logger: Logger
    private let closed = ManagedAtomic(false)

    init(app: WakuApplication, scope: Container, logger: Logger) {
        self.app = app
        self.scope = scope
        self.logger = logger
    }

    /// Runs the scope's cleanups; a second call does nothing. Cleanup failures are logged by the
    /// container and cannot change a response that is already on its way.
    func close() async {
        guard closed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        await app.closeRequestScope(scope)
    }

    deinit {
        guard closed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        // The response was dropped before its body was written. Close the scope anyway, from a task
        // of its own since deinit cannot wait.
        logger.debug("Waku request scope released before the response body was written; closing it now")
        let app = self.app
        let scope = self.scope
        Task { await app.closeRequestScope(scope) }
    }
}
#endif
