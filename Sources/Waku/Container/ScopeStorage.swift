import Atomics

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A container's mutable state, its mutex, its closed flag and its scoped cache cells in one
/// allocation.
///
/// A request scope is opened per message or HTTP request, so what it allocates is paid on every
/// one. The header holds the mutex and the state it guards. The tail holds atomic words: word 0
/// holds the closed flag (bit 0), the release request (bit 1) and the number of resolutions in
/// progress (the rest, in steps of 4), read without the lock on every resolution; word 1 records
/// that a cleanup was ever registered, so a scope without cleanups closes without the lock; word
/// `2 + i` is scoped cache cell `i` (see "Lock-free scoped cells" below), so a cached scoped value
/// is read, claimed and completed without the lock.
///
/// A closed request scope drops its cached values, because a cached value may hold the scope
/// (a bus or any service that keeps the `Container`), and that cycle would otherwise keep the
/// whole scope alive forever. Cached values are read without a reference, so they are dropped
/// only once no resolution is in progress: the last one to leave a closed scope drops them.
///
/// `ManagedBuffer` cannot be `Sendable`, so holders store it `nonisolated(unsafe)`: the header is
/// only touched inside `withLock`, the tail only through atomic operations. The mutex is driven
/// by ``LockOperations``, like every lock of the package; it stays in the header because the tail
/// is atomic words, and the header is only ever reached through its address (never `header`).
final class ScopeStorage: ManagedBuffer<ScopeStorage.Header, UnsafeAtomic<UInt>.Storage> {
    typealias Waiter = CheckedContinuation<CellValue?, any Error>

    struct Header {
        var mutex: pthread_mutex_t
        var state: Container.ScopeState
        /// Resolutions waiting for a scoped cell another task is creating, by cell.
        var waiters: [Int: [Waiter]] = [:]
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
            LockOperations.initialize(&header.pointee.mutex)
            cells.initialize(repeating: UnsafeAtomic<UInt>.Storage(0), count: words)
        }
        return storage
    }

    private var cellCount: Int {
        @inline(__always) get { withUnsafeMutablePointerToHeader { $0.pointee.cellCount } }
    }

    deinit {
        releaseCells()
        withUnsafeMutablePointerToHeader { header in
            LockOperations.destroy(&header.pointee.mutex)
        }
    }

    /// Runs `body` with the state, holding the mutex. `body` must never await.
    @inline(__always)
    func withLock<R>(_ body: (inout Container.ScopeState) throws -> R) rethrows -> R {
        try withUnsafeMutablePointerToHeader { header in
            LockOperations.lock(&header.pointee.mutex)
            defer { LockOperations.unlock(&header.pointee.mutex) }
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
        _ = word0.loadThenBitwiseOr(with: Self.closedBit, ordering: .sequentiallyConsistent)
    }

    /// Asks to drop the cached values of a closed scope (after its cleanups ran): now if no
    /// resolution is in progress, or else when the last one leaves.
    func requestRelease() {
        let old = word0.loadThenBitwiseOr(with: Self.closedBit | Self.releaseBit, ordering: .acquiringAndReleasing)
        if old / Self.user == 0 { releaseCells() }
    }

    /// Drops every cached value: empties each ready cell, releasing the reference it owned.
    /// Idempotent, and only called when no resolution is in progress, so no cell is being created
    /// or read; the values' deinits run here, outside any lock. Only request scopes release, and
    /// their cells are these lock-free words (the locked cell array is the app container's).
    private func releaseCells() {
        withUnsafeMutablePointerToElements { words in
            for index in 0 ..< cellCount {
                let cell = UnsafeAtomic<UInt>(at: words + 2 + index)
                // Most cells of a scope stay empty: a load is cheaper than an exchange.
                guard cell.load(ordering: .acquiring) != 0 else { continue }
                let word = cell.exchange(0, ordering: .acquiringAndReleasing)
                // A box or an object stored directly: either way one reference the cell owned.
                if word > Self.claimedWithWaiters {
                    Unmanaged<AnyObject>.fromOpaque(CellValue(word: word).pointer).release()
                }
            }
        }
    }

    // MARK: Lock-free scoped cells
    //
    // A request scope's cell `i` is word `2 + i`: 0 while empty, `claimed` while its creator runs
    // the factory, `claimedWithWaiters` once another resolution waits for it, and otherwise a
    // `CellValue` word (its box, or a class instance itself, tagged), which the cell owns (one
    // retain). Claiming and completing are one atomic operation each; the mutex is only taken to
    // park or wake a waiter.

    private static let claimed: UInt = 1
    private static let claimedWithWaiters: UInt = 3

    @inline(__always)
    private func cell(_ index: Int) -> UnsafeAtomic<UInt> {
        withUnsafeMutablePointerToElements { UnsafeAtomic<UInt>(at: $0 + 2 + index) }
    }

    enum Claim {
        /// Owned by the cell; valid while the claiming resolution is in progress.
        case ready(CellValue)
        case create
        case wait
        case closed
    }

    /// The first step on cell `index`: its value, a note to wait for its creator, or the right to
    /// create it. Called inside a resolution (``enter()``), so a ready box cannot be dropped meanwhile.
    func claim(_ index: Int) -> Claim {
        guard index >= 0, index < cellCount else { return .closed }
        let word = cell(index)
        while true {
            let current = word.load(ordering: .acquiring)
            switch current {
            case 0:
                if isClosed { return .closed }
                if word.compareExchange(expected: 0, desired: Self.claimed, ordering: .acquiringAndReleasing).exchanged {
                    return .create
                }
            case Self.claimed, Self.claimedWithWaiters:
                return .wait
            default:
                return .ready(CellValue(word: current))
            }
        }
    }

    /// Stores the created value in claimed cell `index`, which takes one reference to it, and
    /// wakes its waiters with it.
    func complete(_ index: Int, _ created: CreatedValue) -> CellValue {
        let value = switch created {
        case .box(let box): CellValue(word: UInt(bitPattern: Unmanaged.passRetained(box).toOpaque()))
        case .object(let object):
            CellValue(word: UInt(bitPattern: Unmanaged.passRetained(object).toOpaque()) | CellValue.directTag)
        }
        let previous = cell(index).exchange(value.word, ordering: .acquiringAndReleasing)
        if previous == Self.claimedWithWaiters {
            for waiter in takeWaiters(index) { waiter.resume(returning: value) }
        }
        return value
    }

    /// Empties claimed cell `index` after its factory threw, and passes `error` to its waiters.
    func fail(_ index: Int, error: any Error) {
        let previous = cell(index).exchange(0, ordering: .acquiringAndReleasing)
        if previous == Self.claimedWithWaiters {
            for waiter in takeWaiters(index) { waiter.resume(throwing: error) }
        }
    }

    /// Parks `waiter` until cell `index` is completed or failed. Returns at once, without parking,
    /// with the box if it is ready, or `nil` if the cell is empty again (its creator failed
    /// before the waiter parked: claim it again).
    func park(_ waiter: Waiter, on index: Int) -> CellValue?? {
        let word = cell(index)
        return withUnsafeMutablePointerToHeader { header in
            LockOperations.lock(&header.pointee.mutex)
            defer { LockOperations.unlock(&header.pointee.mutex) }
            while true {
                let current = word.load(ordering: .acquiring)
                switch current {
                case 0:
                    return .some(nil)
                case Self.claimed:
                    // Marked under the mutex, so the completer, which takes the mutex after
                    // seeing the mark, finds this waiter.
                    if word.compareExchange(
                        expected: Self.claimed, desired: Self.claimedWithWaiters, ordering: .acquiringAndReleasing
                    ).exchanged {
                        header.pointee.waiters[index, default: []].append(waiter)
                        return .none
                    }
                case Self.claimedWithWaiters:
                    header.pointee.waiters[index, default: []].append(waiter)
                    return .none
                default:
                    return .some(CellValue(word: current))
                }
            }
        }
    }

    private func takeWaiters(_ index: Int) -> [Waiter] {
        withUnsafeMutablePointerToHeader { header in
            LockOperations.lock(&header.pointee.mutex)
            defer { LockOperations.unlock(&header.pointee.mutex) }
            return header.pointee.waiters.removeValue(forKey: index) ?? []
        }
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

    /// The value of scoped cell `index` once it is ready; no reference is taken.
    @inline(__always)
    func publishedValue(_ index: Int) -> CellValue? {
        guard index >= 0, index < cellCount else { return nil }
        let address = withUnsafeMutablePointerToElements {
            UnsafeAtomic<UInt>(at: $0 + 2 + index).load(ordering: .acquiring)
        }
        // 0: empty; 1 and 3: being created.
        guard address > Self.claimedWithWaiters else { return nil }
        return CellValue(word: address)
    }
}
