#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A small mutex guarding a value.
///
/// `Synchronization.Mutex` needs macOS 15, and the package supports macOS 14, so this wraps
/// `pthread_mutex_t` the way swift-nio's `NIOLock` does. Critical sections must never await.

// @unchecked: every access to `value` happens between lock() and unlock() on `mutex`.
package final class Locked<Value>: @unchecked Sendable {
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    var value: Value

    package init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    
    package func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
