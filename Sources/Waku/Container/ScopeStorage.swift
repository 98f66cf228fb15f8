import Atomics

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A container's mutable state, its mutex and its closed flag in one allocation.
///
/// A request scope is opened per message or HTTP request, so what it allocates is paid on every
/// one; a separate lock object, mutex and atomic would be three allocations instead of one.
/// The header is the closed flag, read without the lock on every resolution; the single tail
/// element holds the mutex and the state it guards. `ManagedBuffer` cannot be `Sendable`, so
/// holders store it `nonisolated(unsafe)`: `State` is only touched inside `withLock`, and the
/// header only through atomic operations.
final class ScopeStorage<State>: ManagedBuffer<UnsafeAtomic<Bool>.Storage, ScopeStorage<State>.Guarded> {
    struct Guarded {
        var mutex: pthread_mutex_t
        var state: State
    }

    static func make(_ state: State) -> ScopeStorage<State> {
        let buffer = create(minimumCapacity: 1) { _ in UnsafeAtomic<Bool>.Storage(false) }
        // `create` returns the dynamic type it was called on, which is always `Self` here.
        let storage = unsafeDowncast(buffer, to: ScopeStorage<State>.self)
        storage.withUnsafeMutablePointerToElements { guarded in
            guarded.initialize(to: Guarded(mutex: pthread_mutex_t(), state: state))
            pthread_mutex_init(&guarded.pointee.mutex, nil)
        }
        return storage
    }

    deinit {
        withUnsafeMutablePointerToElements { guarded in
            pthread_mutex_destroy(&guarded.pointee.mutex)
            _ = guarded.deinitialize(count: 1)
        }
    }

    /// Runs `body` with the state, holding the mutex. `body` must never await.
    @inline(__always)
    func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        try withUnsafeMutablePointerToElements { guarded in
            pthread_mutex_lock(&guarded.pointee.mutex)
            defer { pthread_mutex_unlock(&guarded.pointee.mutex) }
            return try body(&guarded.pointee.state)
        }
    }

    var isClosed: Bool {
        @inline(__always) get {
            withUnsafeMutablePointerToHeader { UnsafeAtomic<Bool>(at: $0).load(ordering: .acquiring) }
        }
    }

    func markClosed() {
        withUnsafeMutablePointerToHeader { UnsafeAtomic<Bool>(at: $0).store(true, ordering: .releasing) }
    }
}
