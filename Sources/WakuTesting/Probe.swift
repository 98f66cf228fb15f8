import Waku

/// What test doubles, handlers and hooks saw, in one thread-safe place a test can read and wait
/// on: an ordered log, named counters (each one a ``Signal``) and captured values.
///
/// Provide one to the application, and let the types under test write to it:
///
/// ```swift
/// let probe = Probe()
/// struct RecordingMailer: Mailer {
///     let probe: Probe
///     func send(_ mail: Mail) async throws {
///         probe.capture("sent", mail)
///         probe.bump("mails")
///     }
/// }
/// try await withTestApp(base: AppModule(), providers: [object(probe), scoped((any Mailer).self, RecordingMailer.init)]) { app in
///     try await placeOrder(app)
///     #expect(await probe.signal("mails").reach(1))      // sent by a routed handler, later
///     #expect(probe.captured("sent", as: Mail.self).map(\.to) == ["c-1@example.com"])
/// }
/// ```
public final class Probe: Sendable {
    private struct State {
        var log: [String] = []
        var signals: [String: Signal] = [:]
        var captures: [String: [any Sendable]] = [:]
    }

    private let state = Locked(State())
    private let changes = ChangeFeed()

    /// An empty probe.
    public init() {}

    // MARK: Log

    /// Appends one line to the ordered log.
    public func record(_ entry: String) {
        state.withLock { $0.log.append(entry) }
        changes.changed()
    }

    /// The log so far, in order.
    public var log: [String] { state.withLock { $0.log } }

    // MARK: Counters

    /// The counter named `name` as a ``Signal``, created at zero on first use: wait for it with
    /// `reach(_:timeout:)`.
    public func signal(_ name: String) -> Signal {
        state.withLock { state in
            if let signal = state.signals[name] { return signal }
            let signal = Signal(owner: changes)
            state.signals[name] = signal
            return signal
        }
    }

    /// Adds `amount` to the counter `name` and returns its new value (handy as a serial number).
    @discardableResult
    public func bump(_ name: String, by amount: Int = 1) -> Int {
        signal(name).increment(by: amount)
    }

    /// The counter `name`; zero if it was never bumped.
    public func count(_ name: String) -> Int {
        state.withLock { $0.signals[name]?.value ?? 0 }
    }

    // MARK: Captured values

    /// Keeps `value` under `name`, after those captured before.
    public func capture<Value: Sendable>(_ name: String, _ value: Value) {
        state.withLock { $0.captures[name, default: []].append(value) }
        changes.changed()
    }

    /// The values captured under `name` that are of type `Value`, in capture order.
    public func captured<Value>(_ name: String, as type: Value.Type = Value.self) -> [Value] {
        state.withLock { $0.captures[name] ?? [] }.compactMap { $0 as? Value }
    }

    // MARK: Waiting

    /// Waits until `condition` holds, checking it again after every change to the probe. Returns
    /// `false` if the task is cancelled first or `timeout` passes.
    public func wait(
        timeout: Duration = .seconds(30), isolation: isolated (any Actor)? = #isolation, until condition: (Probe) throws -> Bool
    ) async rethrows -> Bool {
        try await changes.wait(timeout: timeout) { try condition(self) }
    }
}
