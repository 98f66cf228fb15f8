import Atomics

/// The app container's graph, which test overrides swap while request scopes read it.
///
/// Every graph ever installed stays alive until the app container goes away, so a reader can take
/// the pointer with a plain atomic load and no reference-count traffic; an atomic strong reference
/// would cost a compare-and-swap loop on every request scope opened. Overrides are rare (tests), so
/// keeping their graphs costs little.
final class CurrentGraph: Sendable {
    private let pointer: UnsafeAtomic<Unmanaged<CompiledGraph>>
    /// Owns every installed graph; `pointer` always points at one of them.
    private let installed: Locked<[CompiledGraph]>

    init(_ graph: CompiledGraph) {
        installed = Locked([graph])
        pointer = .create(Unmanaged.passUnretained(graph))
    }

    deinit { pointer.destroy() }

    /// The current graph without a reference: it stays alive as long as this object.
    var unmanaged: Unmanaged<CompiledGraph> {
        pointer.load(ordering: .acquiring)
    }

    var graph: CompiledGraph {
        pointer.load(ordering: .acquiring).takeUnretainedValue()
    }

    func install(_ graph: CompiledGraph) {
        installed.withLock { graphs in
            if !graphs.contains(where: { $0 === graph }) { graphs.append(graph) }
        }
        pointer.store(Unmanaged.passUnretained(graph), ordering: .releasing)
    }
}
