#if Postgres
import Logging
import PostgresNIO
import Waku
import WakuMessaging

/// A connection leased from a `PostgresClient` and kept out of the pool until ``release(rollback:)``.
///
/// `PostgresClient` only lends connections for the duration of a closure, so a background task
/// runs that closure and parks in it until the holder releases the connection. A holder that is
/// dropped without releasing (a unit of work nobody committed) releases with a `ROLLBACK` from
/// `deinit`, so a connection never goes back to the pool inside an open transaction, and never leaks.
final class HeldConnection: Sendable {
    let connection: PostgresConnection
    private let done: Locked<CheckedContinuation<Bool, Never>?>

    init(connection: PostgresConnection, done: CheckedContinuation<Bool, Never>) {
        self.connection = connection
        self.done = Locked(done)
    }

    /// Gives the connection back to the pool, after a `ROLLBACK` when `rollback` is true.
    /// Calling it again does nothing.
    func release(rollback: Bool) {
        let continuation = done.withLock { value -> CheckedContinuation<Bool, Never>? in
            defer { value = nil }
            return value
        }
        continuation?.resume(returning: rollback)
    }

    deinit {
        release(rollback: true)
    }

    /// Leases a connection from `client`, waiting at most `timeout` for one (an outage makes the
    /// pool queue requests while it retries connecting), and honouring cancellation of the caller.
    static func lease(from client: PostgresClient, timeout: Duration, logger: Logger,
                      onTimeout: @escaping @Sendable () -> any Error) async throws -> HeldConnection {
        let waiter = Locked<CheckedContinuation<HeldConnection, any Error>?>(nil)
        let tasks = Locked<(lease: Task<Void, Never>?, timer: Task<Void, Never>?)>((nil, nil))
        /// Takes the waiting continuation: whoever gets it first (lease, failure, timeout or
        /// cancellation) resumes it; the others see `nil`.
        @Sendable func take() -> CheckedContinuation<HeldConnection, any Error>? {
            waiter.withLock { value in
                defer { value = nil }
                return value
            }
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HeldConnection, any Error>) in
                waiter.withLock { $0 = continuation }
                // Detached: the pool must not inherit the caller's task-locals (such as a
                // ServiceGroup's graceful-shutdown handler) or priority.
                let lease = Task.detached {
                    do {
                        try await client.withConnection { connection in
                            let rollback = await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
                                let held = HeldConnection(connection: connection, done: done)
                                if let waiting = take() {
                                    tasks.withLock { $0.timer }?.cancel()
                                    waiting.resume(returning: held)
                                } else {
                                    // Timed out or cancelled meanwhile: give it straight back.
                                    held.release(rollback: false)
                                }
                            }
                            if rollback {
                                do {
                                    _ = try await connection.guardedRows("ROLLBACK", logger: logger)
                                } catch {
                                    // The connection is broken; the pool drops closed connections.
                                    try? await connection.close()
                                }
                            }
                        }
                    } catch {
                        take()?.resume(throwing: error)
                    }
                }
                let timer = Task.detached {
                    do {
                        try await Task.sleep(for: timeout)
                    } catch {
                        return
                    }
                    if let waiting = take() {
                        waiting.resume(throwing: onTimeout())
                        lease.cancel()
                    }
                }
                tasks.withLock { $0 = (lease, timer) }
            }
        } onCancel: {
            if let waiting = take() {
                waiting.resume(throwing: CancellationError())
                let (lease, timer) = tasks.withLock { $0 }
                lease?.cancel()
                timer?.cancel()
            }
        }
    }
}
#endif
