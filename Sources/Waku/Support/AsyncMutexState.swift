/// The bookkeeping of ``AsyncMutex``: who owns it and who waits, in order.
///
/// A pure state machine: each event returns the action to take, and ``AsyncMutex`` runs that
/// action (resuming a continuation) after it released the lock guarding this state. Generic over
/// the continuation so tests can drive it with plain values.
///
/// A waiter is registered by ``lock()`` before its continuation exists, and attaches it with
/// ``suspend(_:with:)``; cancellation (``cancel(_:)``) or the owner's ``unlock()`` can come in
/// between. Every event happens under one lock, so for each waiter exactly one of the two wins:
/// `unlock` hands it ownership, or `cancel` removes it; the other then finds nothing to do.
package struct AsyncMutexState<Continuation> {
    package enum LockAction: Equatable {
        /// The caller owns the mutex now.
        case acquired
        /// The caller waits as waiter `id`: it must call ``suspend(_:with:)`` next.
        case wait(UInt64)
    }

    package enum SuspendAction {
        /// Keep waiting: `unlock` or `cancel` will resume the continuation.
        case keepWaiting
        /// Ownership was handed over before the continuation was attached: resume it now.
        case acquire(Continuation)
        /// The waiter was cancelled before the continuation was attached: fail it now.
        case cancel(Continuation)
    }

    package enum CancelAction {
        /// Nothing to resume: the waiter already owns the mutex, or its continuation is not
        /// attached yet (``suspend(_:with:)`` will fail it).
        case nothing
        /// Fail this continuation with `CancellationError`.
        case cancel(Continuation)
    }

    package enum UnlockAction {
        /// Nothing to resume: the mutex is free, or the next owner has not attached its
        /// continuation yet (``suspend(_:with:)`` will resume it).
        case nothing
        /// Resume this continuation: its waiter owns the mutex now.
        case acquire(Continuation)
    }

    private struct Waiter {
        let id: UInt64
        var continuation: Continuation?
    }

    private var locked = false
    /// In arrival order; not empty only while `locked`.
    private var waiters: [Waiter] = []
    /// The waiter ownership was handed to before it attached its continuation.
    private var handedTo: UInt64?
    private var nextID: UInt64 = 0

    package init() {}

    /// Whether nobody owns the mutex and nobody waits: what every test of a finished run expects.
    package var isIdle: Bool { !locked && waiters.isEmpty && handedTo == nil }

    /// How many tasks wait for the mutex, including any not yet suspended.
    package var waiterCount: Int { waiters.count }

    /// Takes the mutex if it is free, or queues the caller as a waiter.
    package mutating func lock() -> LockAction {
        if !locked {
            locked = true
            return .acquired
        }
        let id = nextID
        nextID &+= 1
        waiters.append(Waiter(id: id, continuation: nil))
        return .wait(id)
    }

    /// Attaches waiter `id`'s continuation, unless ownership or cancellation came first.
    package mutating func suspend(_ id: UInt64, with continuation: Continuation) -> SuspendAction {
        if handedTo == id {
            handedTo = nil
            return .acquire(continuation)
        }
        guard let index = waiters.firstIndex(where: { $0.id == id }) else {
            // Cancelled, and removed, before it could attach.
            return .cancel(continuation)
        }
        waiters[index].continuation = continuation
        return .keepWaiting
    }

    /// Removes waiter `id` if it still waits; a waiter that already owns the mutex keeps it (it
    /// runs its critical section and unlocks as usual).
    package mutating func cancel(_ id: UInt64) -> CancelAction {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return .nothing }
        let waiter = waiters.remove(at: index)
        return waiter.continuation.map { .cancel($0) } ?? .nothing
    }

    /// Releases the mutex: ownership passes straight to the first waiter (the mutex stays
    /// locked), or the mutex becomes free.
    package mutating func unlock() -> UnlockAction {
        precondition(locked && handedTo == nil, "AsyncMutex unlocked by a task that does not own it")
        guard !waiters.isEmpty else {
            locked = false
            return .nothing
        }
        let next = waiters.removeFirst()
        guard let continuation = next.continuation else {
            handedTo = next.id
            return .nothing
        }
        return .acquire(continuation)
    }
}

extension AsyncMutexState.SuspendAction: Equatable where Continuation: Equatable {}
extension AsyncMutexState.CancelAction: Equatable where Continuation: Equatable {}
extension AsyncMutexState.UnlockAction: Equatable where Continuation: Equatable {}
