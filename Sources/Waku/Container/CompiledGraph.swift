import Atomics

/// The provider graph compiled at ``WakuFactory/create()``: a flat array of slots and a type
/// index, so a resolution costs one probe and array indexing.
///
/// Besides the slots, the graph keeps plain, reference-free tables for the resolution hot path
/// (``HotSlot``, dependency slot lists, the published addresses of app-wide values), so a cached
/// resolution reads a few words without retaining anything.
@usableFromInline
// @unchecked: every table is written once in `init`, except `published`, whose words are only
// accessed atomically; the boxes they point to are owned by `slots` or `singletonCells`.
final class CompiledGraph: @unchecked Sendable {
    let slots: [Slot]
    /// `slots.count`, read on the hot path without touching the array.
    @usableFromInline let slotCount: Int
    /// The slot of each provided type.
    @usableFromInline let lookup: TypeIndex
    /// Number of app-scope cache cells (singletons).
    let singletonCount: Int
    /// Number of request-scope cache cells (scoped providers).
    let scopedCount: Int
    /// Strong owners of created singletons, indexed by cache index; shared with override graphs.
    let singletonCells: [ManagedAtomicLazyReference<AnyBox>]
    /// Per slot: what the hot path needs to know, without touching the `Slot` object.
    @usableFromInline let hot: UnsafeMutablePointer<HotSlot>
    /// Per slot: the address of its box once the value is the same for every scope (an
    /// instance, or a created singleton); 0 before. Accessed atomically.
    let published: UnsafeMutablePointer<UnsafeAtomic<UInt>.Storage>
    /// Dependency slot lists and synchronous-build frontiers, referenced by ``HotSlot``.
    @usableFromInline let slotLists: UnsafeMutablePointer<Int>
    private let slotListCount: Int

    /// Types whose only providers are switched off by their conditions, with a description of
    /// those providers, so resolving one says why it has no provider.
    let inactive: [ObjectIdentifier: String]

    init(slots: [Slot], lookup: TypeIndex, singletonCount: Int, scopedCount: Int,
         reusing previousCells: [ManagedAtomicLazyReference<AnyBox>] = [], inactive: [ObjectIdentifier: String] = [:]) {
        self.inactive = inactive
        self.slots = slots
        slotCount = slots.count
        self.lookup = lookup
        self.singletonCount = singletonCount
        self.scopedCount = scopedCount
        var cells = previousCells
        cells.reserveCapacity(singletonCount)
        while cells.count < singletonCount { cells.append(ManagedAtomicLazyReference()) }
        singletonCells = cells

        let tables = HotTables(slots: slots)
        hot = .allocate(capacity: max(slots.count, 1))
        hot.initialize(from: tables.hot, count: slots.count)
        slotListCount = tables.lists.count
        slotLists = .allocate(capacity: max(tables.lists.count, 1))
        slotLists.initialize(from: tables.lists, count: tables.lists.count)
        published = .allocate(capacity: max(slots.count, 1))
        published.initialize(repeating: UnsafeAtomic<UInt>.Storage(0), count: slots.count)
        for (position, slot) in slots.enumerated() {
            if case .instance(let box) = slot.kind { publish(box, slot: position) }
            // A singleton another graph already created (graphs share their cells).
            if case .factory(_, let cacheIndex?) = slot.kind, slot.lifetime == .singleton,
               let box = cells[cacheIndex].load() {
                publish(box, slot: position)
            }
        }
    }

    deinit {
        hot.deinitialize(count: slots.count)
        hot.deallocate()
        slotLists.deinitialize(count: slotListCount)
        slotLists.deallocate()
        published.deinitialize(count: slots.count)
        published.deallocate()
    }

    /// The app-wide box of slot `slot`, if published; no reference is taken.
    @inline(__always)
    func publishedBox(_ slot: Int) -> Unmanaged<AnyBox>? {
        let address = UnsafeAtomic<UInt>(at: published + slot).load(ordering: .acquiring)
        guard let pointer = UnsafeRawPointer(bitPattern: address) else { return nil }
        return Unmanaged<AnyBox>.fromOpaque(pointer)
    }

    /// Publishes an app-wide value. `box` must be owned by this graph: a slot's instance or a
    /// singleton cell's value, which never change once set.
    func publish(_ box: AnyBox, slot: Int) {
        let address = UInt(bitPattern: Unmanaged.passUnretained(box).toOpaque())
        UnsafeAtomic<UInt>(at: published + slot).store(address, ordering: .releasing)
    }

    /// A copy in which the slots for the given keys are replaced; used by test overrides.
    ///
    /// Replaced singletons, and every singleton that depends on a replaced slot (directly, through
    /// other slots or through a collection's contributions), get fresh cache cells past this
    /// graph's own: inside the override they are built again from the replacements, and what is
    /// built there never reaches this graph's cells. Other singletons share this graph's cells.
    func replacing(_ replacements: [(Int, (inout Int, inout Int) -> Slot)]) -> CompiledGraph {
        var slots = self.slots
        var singletons = singletonCount
        var scoped = scopedCount
        for (position, makeSlot) in replacements {
            slots[position] = makeSlot(&singletons, &scoped)
        }
        var dependents = [[Int]](repeating: [], count: slots.count)
        for (position, slot) in slots.enumerated() {
            for input in slot.dependencySlots + slot.collectedSlots where input >= 0 && input < slots.count {
                dependents[input].append(position)
            }
        }
        var affected = [Bool](repeating: false, count: slots.count)
        var work = replacements.map(\.0)
        for position in work { affected[position] = true }
        while let position = work.popLast() {
            for dependent in dependents[position] where !affected[dependent] {
                affected[dependent] = true
                work.append(dependent)
            }
        }
        let replaced = Set(replacements.map(\.0))
        for position in slots.indices where affected[position] && !replaced.contains(position) {
            guard slots[position].lifetime == .singleton, case .factory(_, _?) = slots[position].kind else { continue }
            slots[position] = slots[position].withSingletonCell(singletons)
            singletons += 1
        }
        return CompiledGraph(
            slots: slots, lookup: lookup, singletonCount: singletons, scopedCount: scoped, reusing: singletonCells,
            inactive: inactive)
    }

    /// The error for resolving `type`, which has no slot: its inactive providers, if any.
    func missingProviderError(_ type: any Any.Type) -> ResolutionError {
        if let providers = inactive[ObjectIdentifier(type)] {
            return ResolutionError(type, reason: .inactive(providers: providers))
        }
        return ResolutionError(type, reason: .unregistered)
    }
}

/// What the resolution hot path needs to know about one slot: plain values only, so reading
/// it retains nothing.
@usableFromInline
struct HotSlot {
    @usableFromInline
    enum Kind: UInt8 {
        case instance, singleton, scoped, transient, context, container
    }

    @usableFromInline var kind: Kind
    /// The singleton or scoped cache index; -1 for other kinds.
    @usableFromInline var cacheIndex: Int
    /// The factory, owned by the slot; `nil` for kinds without one.
    @usableFromInline var factory: Unmanaged<AnyFactory>?
    /// Where this slot's dependency slots start in `slotLists`, and how many there are.
    @usableFromInline var dependencies: Int
    @usableFromInline var dependencyCount: Int
    /// Where the singleton and scoped slots this slot's synchronous build reads start in
    /// `slotLists`, and how many there are; `-1` when it can never be built synchronously (an
    /// async factory somewhere among its transient dependencies, or a missing dependency).
    @usableFromInline var frontier: Int
    @usableFromInline var frontierCount: Int
}

/// Builds the hot tables from the slots: each slot's kind, its dependency list, and which
/// cached values must exist before it can be built without suspending.
private struct HotTables {
    var hot: [HotSlot] = []
    var lists: [Int] = []

    init(slots: [Slot]) {
        hot.reserveCapacity(slots.count)
        var synchronous = [Bool](repeating: false, count: slots.count)
        for (position, slot) in slots.enumerated() {
            let start = lists.count
            lists.append(contentsOf: slot.dependencySlots)
            var kind = HotSlot.Kind.transient
            var cacheIndex = -1
            var factory: Unmanaged<AnyFactory>?
            switch slot.kind {
            case .instance: kind = .instance
            case .context: kind = .context
            case .container: kind = .container
            case .factory(let made, let cache):
                factory = Unmanaged.passUnretained(made)
                synchronous[position] = made.isSynchronous
                if let cache {
                    kind = slot.lifetime == .singleton ? .singleton : .scoped
                    cacheIndex = cache
                }
            }
            hot.append(HotSlot(
                kind: kind, cacheIndex: cacheIndex, factory: factory, dependencies: start,
                dependencyCount: slot.dependencySlots.count, frontier: 0, frontierCount: -1))
        }
        // Computed from the tables just built rather than from the slots, so it retains
        // nothing, and memoized in arrays indexed by slot, so it stays linear.
        var memo = [Frontier](repeating: .unknown, count: slots.count)
        var visiting = [Bool](repeating: false, count: slots.count)
        for position in slots.indices where synchronous[position] {
            if let frontier = frontier(of: position, synchronous: synchronous, memo: &memo, visiting: &visiting) {
                hot[position].frontier = lists.count
                hot[position].frontierCount = frontier.count
                lists.append(contentsOf: frontier)
            }
        }
    }

    /// What is known of a slot's frontier while they are computed.
    private enum Frontier {
        case unknown
        /// It can never be built synchronously.
        case unbuildable
        case known([Int])
    }

    /// The cached slots a synchronous build of `position` reads, or `nil` if it cannot be built
    /// synchronously. For a cached slot this is about building its value, not reading it.
    private func frontier(
        of position: Int, synchronous: [Bool], memo: inout [Frontier], visiting: inout [Bool]
    ) -> [Int]? {
        switch memo[position] {
        case .known(let result): return result
        case .unbuildable: return nil
        case .unknown: break
        }
        guard synchronous[position], !visiting[position] else { return nil }
        visiting[position] = true
        defer { visiting[position] = false }
        var result: [Int] = []
        let first = hot[position].dependencies
        for dependency in lists[first ..< first + hot[position].dependencyCount] {
            guard dependency >= 0, dependency < hot.count else { memo[position] = .unbuildable; return nil }
            switch hot[dependency].kind {
            case .instance, .context, .container:
                continue
            case .singleton, .scoped:
                if !result.contains(dependency) { result.append(dependency) }
            case .transient:
                guard let nested = frontier(of: dependency, synchronous: synchronous, memo: &memo, visiting: &visiting) else {
                    memo[position] = .unbuildable
                    return nil
                }
                for cached in nested where !result.contains(cached) { result.append(cached) }
            }
        }
        memo[position] = .known(result)
        return result
    }
}
