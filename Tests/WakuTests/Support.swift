import Foundation
import Testing
import Waku

// Shared helpers for the core test suite.

/// An ordered, thread-safe log of events, written from hooks, factories and cleanups (some of
/// which are synchronous, so this is a lock-protected class rather than an actor).
final class EventLog: Sendable {
    private let storage = Locked([String]())

    func record(_ event: String) {
        storage.withLock { $0.append(event) }
    }

    var events: [String] { storage.withLock { $0 } }

    func count(of event: String) -> Int { events.filter { $0 == event }.count }
}

/// A counter safe to bump from many tasks at once. `next()` returns the new value, which tests
/// use as a serial number for created instances.
final class Counter: Sendable {
    private let count = Locked(0)

    @discardableResult
    func next() -> Int {
        count.withLock { count in
            count += 1
            return count
        }
    }

    var value: Int { count.withLock { $0 } }
}

/// An error thrown on purpose by test factories and bodies.
struct TestFailure: Error, Equatable {
    let tag: String
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
