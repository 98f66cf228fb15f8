#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a mutex: the package's one lock.
///
/// `Synchronization.Mutex` needs macOS 15 and the package supports macOS 14, so this is the shape
/// of swift-nio's `NIOLockedValueBox` (Apache-2.0, Copyright Apple Inc. and the SwiftNIO project
/// authors): one allocation holding the value and the `pthread_mutex_t`, driven by
/// ``LockOperations``. It has reference semantics: copies share the value and the mutex.
/// Critical sections must never await; async code that must wait for its turn uses ``AsyncMutex``.
//
// @unchecked: every access to the value happens inside `withLock`, holding the storage's mutex.
package struct Locked<Value>: @unchecked Sendable {
    private let storage: Storage

    /// `spinning`: a contended lock spins briefly before it sleeps (see
    /// ``LockOperations/initialize(_:spinning:)``), for short critical sections taken from
    /// several cores at once.
    package init(_ value: Value, spinning: Bool = false) {
        storage = Storage.make(value, spinning: spinning)
    }

    /// Runs `body` with the value, holding the mutex. `body` must not take this lock again.
    @inline(__always)
    package func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try storage.withUnsafeMutablePointers { value, mutex in
            try LockOperations.withLock(mutex) { try body(&value.pointee) }
        }
    }

    /// The value in the header, the mutex in the one tail element. The mutex sits in the tail
    /// rather than the header, as in swift-nio: the header is also reachable through `header`,
    /// whose accessors could copy it, while the tail is only reached through its address.
    private final class Storage: ManagedBuffer<Value, pthread_mutex_t> {
        static func make(_ value: Value, spinning: Bool) -> Storage {
            let buffer = create(minimumCapacity: 1) { _ in value }
            // `create` returns the dynamic type it was called on, which is always `Storage` here.
            let storage = unsafeDowncast(buffer, to: Storage.self)
            storage.withUnsafeMutablePointerToElements { LockOperations.initialize($0, spinning: spinning) }
            return storage
        }

        // ManagedBuffer deinitializes the header itself; the mutex only needs destroying.
        deinit {
            withUnsafeMutablePointerToElements { LockOperations.destroy($0) }
        }
    }
}
