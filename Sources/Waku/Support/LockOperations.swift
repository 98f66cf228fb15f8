#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The package's one mutex implementation: initializing, locking, unlocking and destroying a
/// `pthread_mutex_t` in place, every return value checked.
///
/// ``Locked`` and `ScopeStorage` keep the mutex inside their own allocation and call these on its
/// address. A failing pthread call means a broken invariant (a mutex destroyed while held, memory
/// corrupted), never bad input, so it stops the process with the call's name and error rather
/// than carrying on unprotected.
///
/// Adapted from swift-nio's `LockOperations` (`NIOConcurrencyHelpers/NIOLock.swift`, Apache-2.0,
/// Copyright Apple Inc. and the SwiftNIO project authors).
enum LockOperations {
    /// Initializes the mutex at `mutex`, which must stay at that address until ``destroy(_:)``.
    ///
    /// `spinning`: with glibc, a contended lock spins briefly before it sleeps (the adaptive
    /// kind), for locks held for a few hundred nanoseconds and taken from several cores at once,
    /// where waking a sleeper would cost the unlocking side a system call. Elsewhere it is a
    /// plain mutex. In debug builds a plain mutex checks errors, so a task taking a lock it
    /// already holds stops with a message instead of deadlocking.
    static func initialize(_ mutex: UnsafeMutablePointer<pthread_mutex_t>, spinning: Bool = false) {
        #if canImport(Glibc)
        if spinning { return initialize(mutex, kind: Int32(PTHREAD_MUTEX_ADAPTIVE_NP)) }
        #endif
        var errorChecking = false
        assert({ errorChecking = true; return true }())
        if errorChecking { return initialize(mutex, kind: Int32(PTHREAD_MUTEX_ERRORCHECK)) }
        // The default kind needs no attributes: a request scope creates a mutex per request.
        check(pthread_mutex_init(mutex, nil), "pthread_mutex_init")
    }

    private static func initialize(_ mutex: UnsafeMutablePointer<pthread_mutex_t>, kind: Int32) {
        var attributes = pthread_mutexattr_t()
        check(pthread_mutexattr_init(&attributes), "pthread_mutexattr_init")
        defer { check(pthread_mutexattr_destroy(&attributes), "pthread_mutexattr_destroy") }
        check(pthread_mutexattr_settype(&attributes, kind), "pthread_mutexattr_settype")
        check(pthread_mutex_init(mutex, &attributes), "pthread_mutex_init")
    }

    /// Destroys the unlocked mutex at `mutex`.
    @inline(__always)
    static func destroy(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) {
        check(pthread_mutex_destroy(mutex), "pthread_mutex_destroy")
    }

    @inline(__always)
    static func lock(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) {
        check(pthread_mutex_lock(mutex), "pthread_mutex_lock")
    }

    @inline(__always)
    static func unlock(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) {
        check(pthread_mutex_unlock(mutex), "pthread_mutex_unlock")
    }

    /// Runs `body` holding the mutex at `mutex`.
    @inline(__always)
    static func withLock<R>(_ mutex: UnsafeMutablePointer<pthread_mutex_t>, _ body: () throws -> R) rethrows -> R {
        lock(mutex)
        defer { unlock(mutex) }
        return try body()
    }

    /// pthread functions return their error number rather than setting `errno`.
    @inline(__always)
    private static func check(_ result: Int32, _ call: StaticString) {
        if _slowPath(result != 0) { failed(call, result) }
    }

    /// Out of line, so the message costs the callers nothing; `fatalError` rather than
    /// `preconditionFailure` so release builds print which call failed too.
    @inline(never)
    private static func failed(_ call: StaticString, _ result: Int32) -> Never {
        fatalError("\(call) failed with error \(result) (\(String(cString: strerror(result))))")
    }
}
