import Atomics
package import Logging
package import Waku

/// Owns one open request scope and closes it exactly once: explicitly, through ``close()``, or when
/// the lease is released without having been closed. WakuHummingbird closes it explicitly after the
/// response body is written, and release only catches a body that was never written; WakuVapor
/// hands it to the response, so releasing the written response is what closes it.
///
/// Shared by the HTTP integrations (WakuHummingbird, WakuVapor); not part of their public API.
package final class RequestScopeLease: Sendable {
    package let app: WakuApplication
    package let scope: Container
    private let releaseLogger: Logger?
    private let closed = ManagedAtomic(false)

    /// A lease of `scope`. `logger` notes at debug level when release closes the scope; `nil` when
    /// that is the normal way to close it.
    package init(app: WakuApplication, scope: Container, logger: Logger?) {
        self.app = app
        self.scope = scope
        self.releaseLogger = logger
    }

    /// Runs the scope's cleanups; a second call does nothing. Cleanup failures are logged by the
    /// container and cannot change a response that is already on its way.
    package func close() async {
        guard closed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        await app.closeRequestScope(scope)
    }

    deinit {
        guard closed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        // Released without close(): close the scope from a task of its own, since deinit cannot wait.
        releaseLogger?.debug("Waku request scope released before the response body was written; closing it now")
        let app = self.app
        let scope = self.scope
        Task { await app.closeRequestScope(scope) }
    }
}
