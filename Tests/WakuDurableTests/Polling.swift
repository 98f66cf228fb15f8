import Foundation

/// Polls `condition` every `interval` until it holds or `timeout` passes; returns whether it held.
///
/// Only for state no observer reports: rows and connections as the database sees them, and work
/// done by other processes. In-process deliveries are waited for with `trackMessages`, a
/// `MessageRecorder` or a recorder's `wait`, never by polling.
@discardableResult
func eventually(timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(50),
                _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
