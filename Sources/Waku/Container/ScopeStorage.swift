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
/// holds the closed flag (bit 0), the release request (bit 1) and the number of resolutions in
/// progress (the rest, in steps of 4), read without the lock on every resolution; word 1 records
/// that a cleanup was ever registered, so a scope without cleanups closes without the lock; word
/// `2 + i` is the address of scoped cache cell `i`'s box once it is ready, so a cached scoped
/// value is read without the lock.
///
/// A closed request scope drops its cached values, because a cached value may hold the scope
/// (a bus or any service that keeps the `Container`), and that cycle would otherwise keep the
/// whole scope alive forever. Cached values are read without a reference, so they are dropped
/// only once no resolution is in progress: the last one to leave a closed scope drops them. `ManagedBuffer` cannot be `Sendable`, so holders store it `nonisolated(unsafe)`: the
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

    private static let closedBit: UInt = 1
    private static let releaseBit: UInt = 2
    private static let user: UInt = 4

    @inline(__always)
    private var word0: UnsafeAtomic<UInt> {
        withUnsafeMutablePointerToElements { UnsafeAtomic<UInt>(at: $0) }
    }

    var isClosed: Bool {
        @inline(__always) get { word0.load(ordering: .acquiring) & Self.closedBit != 0 }
    }

    /// Starts a resolution that may read published cells without a reference; `false` once the
    /// scope is closed. Every `true` must be matched by ``leave()``.
    @inline(__always)
    func enter() -> Bool {
        let old = word0.loadThenWrappingIncrement(by: Self.user, ordering: .acquiring)
        guard old & Self.closedBit == 0 else {
            leave()
            return false
        }
        return true
    }

    /// Ends a resolution started by ``enter()``; the last one to leave a scope whose release was
    /// requested drops its cached values.
    @inline(__always)
    func leave() {
        let old = word0.loadThenWrappingDecrement(by: Self.user, ordering: .acquiringAndReleasing)
        if old & Self.releaseBit != 0, old / Self.user == 1 { releaseCells() }
    }

    /// Sets the closed flag. Sequentially consistent, like ``noteCleanup()`` and
    /// ``isClosedForCleanups``: closing stores the flag then reads ``hasCleanups``, registering a
    /// cleanup stores that flag then reads this one, so at least one side sees the other.
    func markClosed() {
        word0.loadThenBitwiseOr(with: Self.closedBit, ordering: .sequentiallyConsistent)
    }

    /// Asks to drop the cached values of a closed scope (after its cleanups ran): now if no
    /// resolution is in progress, or else when the last one leaves.
    func requestRelease() {
        let old = word0.loadThenBitwiseOr(with: Self.closedBit | Self.releaseBit, ordering: .acquiringAndReleasing)
        if old / Self.user == 0 { releaseCells() }
    }

    /// Drops every cached value. Idempotent. The values are released outside the lock, since a
    /// deinit may do anything.
    private func releaseCells() {
        let cells: [Container.CellState] = withLock { state in
            state.released = true
            let cells = state.cells
            state.cells = []
            return cells
        }
        withUnsafeMutablePointerToElements { words in
            for index in 0 ..< cellCount {
                UnsafeAtomic<UInt>(at: words + 2 + index).store(0, ordering: .releasing)
            }
        }
        _ = consume cells
    }

    /// ``isClosed`` for a cleanup being registered (see ``markClosed()``).
    var isClosedForCleanups: Bool {
        word0.load(ordering: .sequentiallyConsistent) & Self.closedBit != 0
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
