#if Postgres
import PostgresNIO
import Waku

/// Makes statements fail, instead of hang, when their connection closes under them.
///
/// postgres-nio (1.33) never completes a statement written to a connection whose channel has
/// already closed: the write never reaches its handler, so the statement's promise is dropped.
/// During a database outage a pooled or held connection can close between the lease (or the
/// `isClosed` check) and the write, and the caller would wait forever — a durable worker would
/// silently stop. So each statement's completion is raced against its connection closing: when
/// it closes, the statements still waiting on it are failed with "connection closed" after a
/// short grace period (statements the driver did register are failed by it, with the real
/// error, first).
final class ConnectionGuard: Sendable {
    static let shared = ConnectionGuard()

    /// How long a statement may still finish on its own after its connection closed.
    static let grace: Duration = .milliseconds(500)

    private struct State {
        var next: UInt64 = 0
        /// Waiting statements by connection; a connection appears here from its first statement
        /// until it closes.
        var waiting: [ObjectIdentifier: Watched] = [:]
    }

    private struct Watched {
        /// Kept alive until it closed, so its identifier cannot be reused meanwhile.
        let connection: PostgresConnection
        var statements: [UInt64: any Failable] = [:]
    }

    private let state = Locked(State())

    /// Starts a statement on `connection` with `start` and returns its result, or fails with a
    /// connection-closed error if `connection` closes and the statement has not finished soon after.
    ///
    /// The statement completes on the connection's event loop, which resumes the caller
    /// directly: no task is created per statement, which matters at thousands of statements a
    /// second.
    func run<R: Sendable>(on connection: PostgresConnection, _ start: () -> EventLoopFuture<R>) async throws -> R {
        if connection.isClosed { throw ConnectionClosed() }
        let key = ObjectIdentifier(connection)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<R, any Error>) in
            let once = ResumeOnce(continuation)
            let (id, watchNow) = state.withLock { state -> (UInt64, Bool) in
                state.next &+= 1
                let first = state.waiting[key] == nil
                state.waiting[key, default: Watched(connection: connection)].statements[state.next] = once
                return (state.next, first)
            }
            if watchNow {
                // Once per connection: when it closes, fail what is still waiting on it.
                connection.closeFuture.whenComplete { [self] _ in
                    Task.detached {
                        try? await Task.sleep(for: Self.grace)
                        self.failAll(key)
                    }
                }
            }
            start().whenComplete { result in
                self.finished(key, id)
                once.resume(with: result.mapError { $0 })
            }
        }
    }

    private func finished(_ key: ObjectIdentifier, _ id: UInt64) {
        state.withLock { state in
            _ = state.waiting[key]?.statements.removeValue(forKey: id)
        }
    }

    private func failAll(_ key: ObjectIdentifier) {
        let waiters = state.withLock { state in state.waiting.removeValue(forKey: key)?.statements ?? [:] }
        for waiter in waiters.values { waiter.fail(ConnectionClosed()) }
    }
}

/// The connection closed before the statement completed.
struct ConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the database connection closed before the statement completed" }
}

private protocol Failable: Sendable {
    func fail(_ error: any Error)
}

/// A continuation resumed at most once, by whichever comes first.
private final class ResumeOnce<R: Sendable>: Failable {
    private let continuation: Locked<CheckedContinuation<R, any Error>?>

    init(_ continuation: CheckedContinuation<R, any Error>) {
        self.continuation = Locked(continuation)
    }

    func resume(with result: Result<R, any Error>) {
        take()?.resume(with: result)
    }

    func fail(_ error: any Error) {
        take()?.resume(throwing: error)
    }

    private func take() -> CheckedContinuation<R, any Error>? {
        continuation.withLock { value in
            defer { value = nil }
            return value
        }
    }
}

extension PostgresConnection {
    /// Runs `query` and collects its rows; fails instead of hanging if the connection closes.
    func guardedRows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await ConnectionGuard.shared.run(on: self) { self.query(query, logger: logger) }.rows
    }

    /// Runs `query` and returns its command tag (e.g. "COMMIT", or "ROLLBACK" for a COMMIT of
    /// an aborted transaction); fails instead of hanging if the connection closes.
    func guardedCommand(_ query: PostgresQuery, logger: Logger) async throws -> String {
        try await ConnectionGuard.shared.run(on: self) { self.query(query, logger: logger) }.metadata.command
    }
}
#endif
