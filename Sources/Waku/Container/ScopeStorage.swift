import Atomics

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A container's mutable state, its mutex, its closed flag and its published cache cells in one
/// allocation.
///
/// A request scope is opened per message or HTTP request, so what it allocates is paid on every
/// one. The header holds the mutex and the state it guards. The tail holds atomic words: word 0
/// is the closed flag, read without the lock on every resolution; word 1 records that a cleanup
/// was ever registered, so a scope without cleanups closes without the lock; word `2 + i` is the
/// address of scoped cache cell `i`'s box once it is ready, so a cached scoped value is read
/// without the lock. `ManagedBuffer` cannot be `Sendable`, so holders store it `nonisolated(unsafe)`: the
/// header is only touched inside `withLock`, the tail only through atomic operations.
final class ScopeStorage: ManagedBuffer<ScopeStorage.Header, UnsafeAtomic<UInt>.Storage> {
    struct Header {
        var mutex: pthread_mutex_t
        var state: Container.ScopeState
        /// Number of published cells; never changes after `make`, so it is read without the lock.
        let cellCount: Int
    }

    /// Storage with `publishedCells` lock-free cells (a request scope's scoped provider count).
    static func make(publishedCells: Int) -> ScopeStorage {
        let words = publishedCells + 2
        let buffer = create(minimumCapacity: words) { _ in
            Header(mutex: pthread_mutex_t(), state: Container.ScopeState(), cellCount: publishedCells)
        }
        // `create` returns the dynamic type it was called on, which is always `Self` here.
        let storage = unsafeDowncast(buffer, to: ScopeStorage.self)
        storage.withUnsafeMutablePointers { header, cells in
            pthread_mutex_init(&header.pointee.mutex, nil)
            cells.initialize(repeating: UnsafeAtomic<UInt>.Storage(0), count: words)
        }
        return storage
    }

    private var cellCount: Int {
        @inline(__always) get { withUnsafeMutablePointerToHeader { $0.pointee.cellCount } }
    }

    deinit {
        withUnsafeMutablePointerToHeader { header in
            _ = pthread_mutex_destroy(&header.pointee.mutex)
        }
    }

    /// Runs `body` with the state, holding the mutex. `body` must never await.
    @inline(__always)
    func withLock<R>(_ body: (inout Container.ScopeState) throws -> R) rethrows -> R {
        try withUnsafeMutablePointerToHeader { header in
            pthread_mutex_lock(&header.pointee.mutex)
            defer { pthread_mutex_unlock(&header.pointee.mutex) }
            return try body(&header.pointee.state)
        }
    }

    var isClosed: Bool {
        @inline(__always) get {
            withUnsafeMutablePointerToElements { UnsafeAtomic<UInt>(at: $0).load(ordering: .acquiring) != 0 }
        }
    }

    /// Sets the closed flag. Sequentially consistent, like ``noteCleanup()`` and
    /// ``isClosedForCleanups``: closing stores the flag then reads ``hasCleanups``, registering a
    /// cleanup stores that flag then reads this one, so at least one side sees the other.
    func markClosed() {
        withUnsafeMutablePointerToElements { UnsafeAtomic<UInt>(at: $0).store(1, ordering: .sequentiallyConsistent) }
    }

    /// ``isClosed`` for a cleanup being registered (see ``markClosed()``).
    var isClosedForCleanups: Bool {
        withUnsafeMutablePointerToElements { UnsafeAtomic<UInt>(at: $0).load(ordering: .sequentiallyConsistent) != 0 }
    }

    /// Records that a cleanup is being registered; called before checking the closed flag.
    func noteCleanup() {
        withUnsafeMutablePointerToElements { UnsafeAtomic<UInt>(at: $0 + 1).store(1, ordering: .sequentiallyConsistent) }
    }

    /// Whether a cleanup was ever registered (or is being registered).
    var hasCleanups: Bool {
        withUnsafeMutablePointerToElements { UnsafeAtomic<UInt>(at: $0 + 1).load(ordering: .sequentiallyConsistent) != 0 }
    }

    /// The box of scoped cell `index` once it is ready; no reference is taken.
    @inline(__always)
    func publishedBox(_ index: Int) -> Unmanaged<AnyBox>? {
        guard index >= 0, index < cellCount else { return nil }
        let address = withUnsafeMutablePointerToElements {
            UnsafeAtomic<UInt>(at: $0 + 2 + index).load(ordering: .acquiring)
        }
        guard let pointer = UnsafeRawPointer(bitPattern: address) else { return nil }
        return Unmanaged<AnyBox>.fromOpaque(pointer)
    }

    /// Publishes a ready cell. The caller keeps `box` alive for the storage's lifetime (it is
    /// also stored in the state's cells, which are only emptied on deinit).
    func publish(_ box: AnyBox, cell index: Int) {
        guard index >= 0, index < cellCount else { return }
        let address = UInt(bitPattern: Unmanaged.passUnretained(box).toOpaque())
        withUnsafeMutablePointerToElements {
            UnsafeAtomic<UInt>(at: $0 + 2 + index).store(address, ordering: .releasing)
        }
    }
}
