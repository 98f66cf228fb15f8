/// Resolves the dependencies of one factory call in parameter order, using the slot indices the
/// graph compiler precomputed, so a resolution never hashes a type to find a dependency.
///
/// The container and graph are held unmanaged: a cursor lives only inside one resolution, whose
/// caller holds the container, and the container keeps every graph it resolved with alive.
/// Measured with strong references instead: +2 retains and +2 releases per cursor, `--loop
/// handler` +9 % and `--loop invoke` +10 % (alternated runs). Benchmarks/call-thresholds.txt
/// holds the retain and release counts this saves, and CI checks them.
@usableFromInline
package struct DependencyCursor {
    @usableFromInline let containerReference: Unmanaged<Container>
    /// The graph the resolution started with, so a factory's dependencies never reload it.
    @usableFromInline let graphReference: Unmanaged<CompiledGraph>
    /// The factory's dependency slots, in the graph's `slotLists`.
    @usableFromInline let slots: UnsafeMutablePointer<Int>
    @usableFromInline let count: Int
    @usableFromInline var position = 0
    /// Set by a factory whose value needs a cleanup.
    @usableFromInline var cleanup: Cleanup?

    /// A cursor over the dependencies of `slot`.
    @usableFromInline
    init(container: Unmanaged<Container>, graph: Unmanaged<CompiledGraph>, slot: Int) {
        containerReference = container
        graphReference = graph
        let hot = graph._withUnsafeGuaranteedRef { $0.hot[slot] }
        slots = graph._withUnsafeGuaranteedRef { $0.slotLists } + hot.dependencies
        count = hot.dependencyCount
    }

    @usableFromInline
    init(container: Container, graph: CompiledGraph, slot: Int) {
        self.init(container: .passUnretained(container), graph: .passUnretained(graph), slot: slot)
    }

    var container: Container { containerReference.takeUnretainedValue() }
    var graph: CompiledGraph { graphReference.takeUnretainedValue() }

    /// What the next dependency needs.
    @usableFromInline
    enum Probe {
        /// Its value exists: an instance, a created singleton, a scoped value of this scope.
        case cached(CellValue)
        /// A transient provider, and whether it can be built without suspending.
        case transient(Unmanaged<AnyFactory>, synchronous: Bool)
        /// The resolving container itself.
        case container
        /// Anything else: the generic resolver handles it.
        case other
    }

    /// Advances to the next dependency: its slot, and what it needs. With `checkingSynchronous`,
    /// a transient is marked synchronous once every cached value its build reads exists (missing
    /// ones are created on the way when their factories are synchronous). Non-generic, so pack
    /// expansions (which the optimizer does not specialize per element) share one copy.
    @usableFromInline
    mutating func advance(checkingSynchronous: Bool) throws -> (slot: Int, probe: Probe) {
        let slot = position < count ? slots[position] : -1
        position += 1
        return try containerReference._withUnsafeGuaranteedRef { container in
            try graphReference._withUnsafeGuaranteedRef { graph in
                if let value = container.cachedValue(slot: slot, in: graph) { return (slot, .cached(value)) }
                if slot >= 0, slot < graph.slotCount, graph.hot[slot].kind == .container { return (slot, .container) }
                if let factory = container.transientFactory(slot: slot, in: graph) {
                    let synchronous = try checkingSynchronous && container.prepareSynchronousBuild(slot: slot, in: graph)
                    return (slot, .transient(factory, synchronous: synchronous))
                }
                return (slot, .other)
            }
        }
    }

    /// Resolves the next parameter: a cached dependency comes back without suspending and a
    /// transient one is built by its factory directly, without the generic resolver. For
    /// closures with concrete parameter types (the fixed-arity factories), where this is
    /// specialized.
    @inlinable
    mutating func next<D>(_ type: D.Type) async throws -> D {
        let (slot, probe) = try advance(checkingSynchronous: true)
        switch probe {
        case .cached(let value):
            return value.read(as: D.self)
        case .transient(let factory, let synchronous):
            let typed = factory._withUnsafeGuaranteedRef { unsafeDowncast($0, to: TypedFactory<D>.self) }
            if synchronous, let syncBody = typed.syncBody { return try buildNested(syncBody, slot: slot) }
            return try await containerReference.takeUnretainedValue().build(
                typed, slot: slot, in: graphReference.takeUnretainedValue())
        case .container:
            return resolvingContainer(as: D.self)
        case .other:
            return try await resolveGenerically(slot: slot, as: type)
        }
    }

    /// Resolves the next parameter without suspending. Only called by a synchronous build, which
    /// checked first that every cached value it reads exists.
    @inlinable
    mutating func nextSync<D>(_ type: D.Type) throws -> D {
        let (slot, probe) = try advance(checkingSynchronous: false)
        switch probe {
        case .cached(let value):
            return value.read(as: D.self)
        case .transient(let factory, _):
            let typed = factory._withUnsafeGuaranteedRef { unsafeDowncast($0, to: TypedFactory<D>.self) }
            guard let syncBody = typed.syncBody else { return try resolveWithoutSuspending(slot: slot, as: type) }
            return try buildNested(syncBody, slot: slot)
        case .container:
            return resolvingContainer(as: D.self)
        case .other:
            return try resolveWithoutSuspending(slot: slot, as: type)
        }
    }

    /// ``next(_:)`` for pack-expansion closures, which the optimizer does not specialize per
    /// element: it stays away from `Box<D>` and `TypedFactory<D>` (each mention would look up
    /// generic metadata at run time there) and goes through the virtual ``AnyBox/read(as:)`` and
    /// ``AnyFactory/buildSync(_:as:)``.
    @inlinable
    mutating func nextElement<D>(_ type: D.Type) async throws -> D {
        let (slot, probe) = try advance(checkingSynchronous: true)
        switch probe {
        case .cached(let value):
            return value.readElement(as: D.self)
        case .transient(let factory, synchronous: true):
            return try buildNestedElement(factory, slot: slot, as: D.self)
        case .transient(let factory, synchronous: false):
            return try await containerReference.takeUnretainedValue().build(
                unsafeDowncast(factory.takeUnretainedValue(), to: TypedFactory<D>.self), slot: slot,
                in: graphReference.takeUnretainedValue())
        case .container:
            return resolvingContainer(as: D.self)
        case .other:
            return try await resolveGenerically(slot: slot, as: type)
        }
    }

    /// ``nextSync(_:)`` for pack-expansion closures (see ``nextElement(_:)``).
    @inlinable
    mutating func nextSyncElement<D>(_ type: D.Type) throws -> D {
        let (slot, probe) = try advance(checkingSynchronous: false)
        switch probe {
        case .cached(let value):
            return value.readElement(as: D.self)
        case .transient(let factory, _):
            return try buildNestedElement(factory, slot: slot, as: D.self)
        case .container:
            return resolvingContainer(as: D.self)
        case .other:
            return try resolveWithoutSuspending(slot: slot, as: type)
        }
    }

    /// The container resolving this factory; the slot is keyed by `Container`, so `D` is `Container`.
    @inlinable
    func resolvingContainer<D>(as type: D.Type) -> D {
        unsafeBitCast(containerReference.takeUnretainedValue(), to: D.self)
    }

    /// A dependency the fast paths do not cover, through the container's generic resolver.
    @inlinable
    func resolveGenerically<D>(slot: Int, as type: D.Type) async throws -> D {
        try await containerReference.takeUnretainedValue().resolve(
            slot: slot, as: type, in: graphReference.takeUnretainedValue())
    }

    /// Builds a transient dependency without suspending, registering its cleanup if it has one.
    @inlinable
    func buildNested<D>(_ body: TypedFactory<D>.SyncBody, slot: Int) throws -> D {
        var nested = DependencyCursor(container: containerReference, graph: graphReference, slot: slot)
        let value = try body(&nested)
        if let cleanup = nested.cleanup { try register(cleanup, slot: slot) }
        return value
    }

    /// ``buildNested(_:slot:)`` through the factory's virtual build, for pack-expansion closures.
    @inlinable
    func buildNestedElement<D>(_ factory: Unmanaged<AnyFactory>, slot: Int, as type: D.Type) throws -> D {
        var nested = DependencyCursor(container: containerReference, graph: graphReference, slot: slot)
        let value = try factory._withUnsafeGuaranteedRef { try $0.buildSync(&nested, as: type) }
        if let cleanup = nested.cleanup { try register(cleanup, slot: slot) }
        return value
    }

    @usableFromInline
    func register(_ cleanup: @escaping Cleanup, slot: Int) throws {
        try containerReference._withUnsafeGuaranteedRef { container in
            try graphReference._withUnsafeGuaranteedRef { try container.addCleanup(cleanup, slot: slot, in: $0) }
        }
    }

    @usableFromInline
    func resolveWithoutSuspending<D>(slot: Int, as type: D.Type) throws -> D {
        try containerReference._withUnsafeGuaranteedRef { container in
            try graphReference._withUnsafeGuaranteedRef { try container.resolveWithoutSuspending(slot: slot, as: type, in: $0) }
        }
    }
}
