import Foundation
import Testing
import Waku

// Shared helpers for the core test suite.

/// An ordered, thread-safe log of events, written from hooks, factories and cleanups (some of
/// which are synchronous, so this is a lock-protected class rather than an actor).
final class EventLog: @unchecked Sendable {
    // @unchecked: `storage` is only read or written while holding `lock` (an NSLock).
    private let lock = NSLock()
    private var storage: [String] = []

    func record(_ event: String) {
        lock.lock()
        defer { lock.unlock() }
        storage.append(event)
    }

    var events: [String] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }

    func count(of event: String) -> Int { events.filter { $0 == event }.count }
}

/// A counter safe to bump from many tasks at once. `next()` returns the new value, which tests
/// use as a serial number for created instances.
final class Counter: @unchecked Sendable {
    // @unchecked: `count` is only read or written while holding `lock` (an NSLock).
    private let lock = NSLock()
    private var count = 0

    @discardableResult
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}

/// A one-shot signal that async code can wait for: `wait()` returns `true` once `fire()` was
/// called, whether before or after the wait started, and `false` if the waiting task is cancelled
/// first (so a test with a time limit fails instead of hanging when something deadlocks).
final class Signal: @unchecked Sendable {
    // @unchecked: `fired` and `waiters` are only read or written while holding `lock` (an NSLock).
    private let lock = NSLock()
    private var fired = false
    private var waiters: [CheckedContinuation<Bool, Never>] = []

    func fire() {
        lock.lock()
        fired = true
        let waiting = waiters
        waiters = []
        lock.unlock()
        for waiter in waiting { waiter.resume(returning: true) }
    }

    @discardableResult
    func wait() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                lock.lock()
                if fired {
                    lock.unlock()
                    continuation.resume(returning: true)
                } else if Task.isCancelled {
                    lock.unlock()
                    continuation.resume(returning: false)
                } else {
                    waiters.append(continuation)
                    lock.unlock()
                }
            }
        } onCancel: {
            // Releases every current waiter; tests only cancel when they are over.
            lock.lock()
            let waiting = waiters
            waiters = []
            lock.unlock()
            for waiter in waiting { waiter.resume(returning: false) }
        }
    }
}

/// An error thrown on purpose by test factories and bodies.
struct TestFailure: Error, Equatable {
    let tag: String
}

/// Builds the app and returns the `StartupError` that `create()` must throw.
func startupError(
    _ root: any Module,
    context: ContextValues = ContextValues(),
    extensions: [any ApplicationExtension] = [],
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> StartupError {
    try #require(
        await #expect(throws: StartupError.self, sourceLocation: sourceLocation) {
            _ = try await WakuFactory(root, context: context, extensions: extensions).create()
        },
        sourceLocation: sourceLocation)
}

/// Runs `body` and returns the `ResolutionError` it must throw.
func resolutionError(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async throws -> ResolutionError {
    try #require(
        await #expect(throws: ResolutionError.self, sourceLocation: sourceLocation) { try await body() },
        sourceLocation: sourceLocation)
}

/// Asserts that `error` holds exactly one issue of `kind` and returns it.
func singleIssue(
    _ error: StartupError, _ kind: StartupIssue.Kind, sourceLocation: SourceLocation = #_sourceLocation
) throws -> StartupIssue {
    let issues = error.issues(of: kind)
    #expect(issues.count == 1, "expected one \(kind) issue in:\n\(error)", sourceLocation: sourceLocation)
    return try #require(issues.first, sourceLocation: sourceLocation)
}
