/// A FIFO mutex for async code: the durable stores use it so statements of different tasks
/// never interleave inside one transaction on a shared connection.
///
/// A task that waits for its turn and is cancelled stops waiting and throws `CancellationError`
/// without running its critical section; the mutex passes on to the next waiter as usual. A task
/// that finds the mutex free takes it even when cancelled, since it does not wait. The
/// bookkeeping is ``AsyncMutexState``.
package final class AsyncMutex: Sendable {
    private typealias Continuation = CheckedContinuation<Void, any Error>

    private let state = Locked(AsyncMutexState<Continuation>())

    package init() {}

    /// Runs `body` once this task owns the mutex, and releases it when `body` returns or throws.
    ///
    /// - Throws: `CancellationError` if the task is cancelled while it waits; whatever `body` throws.
    package func withLock<R>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R) async throws -> R {
        try await lock()
        defer { unlock() }
        return try await body()
    }

    /// Whether nobody owns the mutex and nobody waits.
    package var isIdle: Bool { state.withLock { $0.isIdle } }

    /// How many tasks wait for the mutex.
    package var waiterCount: Int { state.withLock { $0.waiterCount } }

    private func lock() async throws {
        guard case .wait(let id) = state.withLock({ $0.lock() }) else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Continuation) in
                switch state.withLock({ $0.suspend(id, with: continuation) }) {
                case .keepWaiting: break
                case .acquire(let continuation): continuation.resume()
                case .cancel(let continuation): continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            if case .cancel(let continuation) = state.withLock({ $0.cancel(id) }) {
                continuation.resume(throwing: CancellationError())
            }
        }
    }

    private func unlock() {
        if case .acquire(let next) = state.withLock({ $0.unlock() }) {
            next.resume()
        }
    }
}
