import Atomics

/// The provider graph compiled at ``WakuFactory/create()``: a flat array of slots and one
/// dictionary from type to slot, so a resolution costs one hash lookup and array indexing.
@usableFromInline
final class CompiledGraph: Sendable {
    let slots: [Slot]
    let index: [ObjectIdentifier: Int]
    /// The same mapping as `index`, for the resolution hot path.
    let lookup: TypeIndex
    /// Number of app-scope cache cells (singletons).
    let singletonCount: Int
    /// Number of request-scope cache cells (scoped providers).
    let scopedCount: Int
    /// Lock-free read path for singletons already created, indexed by cache index.
    let singletonCells: [ManagedAtomicLazyReference<AnyBox>]

    init(slots: [Slot], index: [ObjectIdentifier: Int], singletonCount: Int, scopedCount: Int,
         reusing previousCells: [ManagedAtomicLazyReference<AnyBox>] = []) {
        self.slots = slots
        self.index = index
        lookup = TypeIndex(index)
        self.singletonCount = singletonCount
        self.scopedCount = scopedCount
        var cells = previousCells
        cells.reserveCapacity(singletonCount)
        while cells.count < singletonCount { cells.append(ManagedAtomicLazyReference()) }
        singletonCells = cells
    }

    func slotIndex(for id: ObjectIdentifier) -> Int? { index[id] }

    /// A copy in which the slots for the given keys are replaced; used by test overrides.
    /// Replaced singletons get fresh cache cells so overrides never see the original instance.
    func replacing(_ replacements: [(Int, (inout Int, inout Int) -> Slot)]) -> CompiledGraph {
        var slots = self.slots
        var singletons = singletonCount
        var scoped = scopedCount
        for (position, makeSlot) in replacements {
            slots[position] = makeSlot(&singletons, &scoped)
        }
        return CompiledGraph(
            slots: slots, index: index, singletonCount: singletons, scopedCount: scoped, reusing: singletonCells)
    }
}
