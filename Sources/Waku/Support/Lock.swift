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

    /// `spinning`: with glibc, a contended lock spins briefly before it sleeps, for locks that
    /// are held for a few hundred nanoseconds and taken from several cores at once; waking a
    /// sleeper costs the unlocking side a system call.
    package init(_ value: Value, spinning: Bool = false) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        #if canImport(Glibc)
        if spinning {
            var attributes = pthread_mutexattr_t()
            pthread_mutexattr_init(&attributes)
            defer { pthread_mutexattr_destroy(&attributes) }
            if pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP)) == 0,
                pthread_mutex_init(mutex, &attributes) == 0
            {
                return
            }
        }
        #endif
        pthread_mutex_init(mutex, nil)
    }

    /// Whether the mutex spins before it sleeps: glibc's adaptive kind, fixed at init.
    package var spins: Bool {
        #if canImport(Glibc)
        return mutex.pointee.__data.__kind == Int32(PTHREAD_MUTEX_ADAPTIVE_NP)
        #else
        return false
        #endif
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
