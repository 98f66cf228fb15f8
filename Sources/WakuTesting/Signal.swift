import Waku

/// A count that tasks can wait for without polling: a gate, a latch or a barrier for tests.
///
/// ```swift
/// let started = Signal()
/// let gate = Signal()
/// // In a handler: say it started, then hold until the test lets it go.
/// started.fire()
/// guard await gate.wait() else { throw CancellationError() }
///
/// // In the test:
/// #expect(await started.wait())
/// // … look at the state while the handler is held …
/// gate.fire()
/// ```
///
/// As a gate or latch, ``fire()`` opens it and ``wait(timeout:)`` waits for it, whether it was
/// fired before or after the wait began. As a counter, ``increment(by:)`` adds and
/// ``reach(_:timeout:)`` waits for a total: `await done.reach(100)`. As a barrier of `n` parties,
/// each calls `increment()` and then `reach(n)`.
///
/// Waits are cancellation-aware: a cancelled waiter returns `false` at once. The timeout is a
/// safety net that turns a hang into a failed expectation, never a way to let time pass.
public final class Signal: Sendable {
    private let count = Locked(0)
    private let changes = ChangeFeed()
    /// Also told of every change: the ``Probe`` that owns this signal, if any.
    private let owner: ChangeFeed?

    /// A signal at zero.
    public init() { owner = nil }

    init(owner: ChangeFeed) { self.owner = owner }

    /// The count so far.
    public var value: Int { count.withLock { $0 } }

    /// Adds `amount` and wakes the waiters whose target is reached. Returns the new count.
    @discardableResult
    public func increment(by amount: Int = 1) -> Int {
        let value = count.withLock { value -> Int in
            value += amount
            return value
        }
        changes.changed()
        owner?.changed()
        return value
    }

    /// Opens the gate: adds one, so every ``wait(timeout:)`` returns `true`.
    public func fire() { increment() }

    /// Waits until the count reaches `target`. Returns `false` if the task is cancelled first or
    /// `timeout` passes.
    public func reach(_ target: Int, timeout: Duration = .seconds(30)) async -> Bool {
        await changes.wait(timeout: timeout) { value >= target }
    }

    /// Waits until the signal fired. Returns `false` if the task is cancelled first or `timeout`
    /// passes.
    public func wait(timeout: Duration = .seconds(30)) async -> Bool { await reach(1, timeout: timeout) }

    /// Waits until the signal fired, ignoring cancellation and without a timeout: a stand-in for
    /// work that does not cooperate, such as a handler that never checks for cancellation.
    public func waitIgnoringCancellation() async {
        while true {
            let seen = changes.version
            if value >= 1 { return }
            await changes.next(after: seen, cancellable: false)
        }
    }
}
