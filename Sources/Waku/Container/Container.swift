import Atomics
import Logging

/// Resolves values: the app container, or a request scope opened with
/// ``WakuApplication/withContainer(context:isolation:_:)``.
///
/// A container may be used from many child tasks at once. Singleton and scoped values are
/// created exactly once even under concurrent first resolution; no lock is held while a factory
/// runs, so one slow factory never blocks unrelated resolutions.
public final class Container: Sendable {
    /// The scope this container serves.
    public let scope: Scope
    /// `nil` when empty, so the common scope without context values copies no dictionary.
    let context: ContextValues?
    /// The app container, strongly held; `nil` for the app container itself. Typed `AnyObject` so
    /// the compiler does not emit its iterative linked-list release for a `Container?` field,
    /// which costs four atomic operations per closed scope.
    private let rootObject: (any AnyObject & Sendable)?
    /// The app container; `nil` for the app container itself.
    @usableFromInline
    var root: Container? {
        // `rootObject` is only ever set to a `Container`.
        rootObject.map { unsafeDowncast($0, to: Container.self) }
    }
    /// Cache cells, finalizers and the closed flag (set once `close()` starts; `get` checks it
    /// so nothing is handed out after cleanups ran).
    // nonisolated(unsafe): the state is only touched under the storage's mutex (`withLock`), the
    // closed flag only atomically.
    nonisolated(unsafe) let state: ScopeStorage
    /// The graph a request scope was opened with; the app container reads `current`, which test
    /// overrides may swap. Unretained: the app container (held by `rootObject`) keeps every graph
    /// it ever installed alive. Measured held strongly: +3 retains and +2 releases per scope,
    /// `--loop handler` +4 % (alternated runs); the ceilings in Benchmarks/call-thresholds.txt
    /// guard it.
    private let fixedGraphReference: Unmanaged<CompiledGraph>?
    private let currentGraph: CurrentGraph?
    private let ownLogger: Logger?

    var logger: Logger { ownLogger ?? root?.logger ?? Logger(label: "waku") }

    struct ScopeState {
        var cells: [CellState] = []
        var finalizers: [Finalizer] = []
        /// Set when close takes the finalizers; the lock-free closed flag is in the storage.
        var closed = false
    }

    enum CellState {
        case empty
        case pending([CheckedContinuation<CellValue?, any Error>])
        case ready(AnyBox)
    }

    struct Finalizer {
        /// The type whose value this cleans up; its name is only read if the cleanup fails.
        let key: TypeKey
        let run: Cleanup
        /// The app-scope cache cell of the singleton this cleans up; -1 for other values. Test
        /// overrides run the cleanups of the cells they added when they end.
        var cell = -1
    }

    init(appGraph: CompiledGraph, context: ContextValues, logger: Logger) {
        scope = .app
        self.context = context.isEmpty ? nil : context
        rootObject = nil
        fixedGraphReference = nil
        currentGraph = CurrentGraph(appGraph)
        state = .make(publishedCells: 0)
        ownLogger = logger
    }

    @usableFromInline
    init(requestOf app: Container, context: ContextValues) {
        scope = .request
        self.context = context.isEmpty ? nil : context
        rootObject = app
        let graph = app.fixedGraphReference ?? app.currentGraph?.unmanaged
        fixedGraphReference = graph
        currentGraph = nil
        state = .make(publishedCells: graph?._withUnsafeGuaranteedRef { $0.scopedCount } ?? 0)
        // Read from the app container when needed: copying a Logger per scope costs retains.
        ownLogger = nil
    }

    @usableFromInline
    var graph: CompiledGraph {
        if let fixedGraphReference { return fixedGraphReference.takeUnretainedValue() }
        // Only the app container has no fixed graph; it always has `currentGraph`.
        return currentGraph?.graph ?? CompiledGraph(slots: [], lookup: TypeIndex([]), singletonCount: 0, scopedCount: 0)
    }

    func install(_ graph: CompiledGraph) {
        currentGraph?.install(graph)
    }

    /// Resolves a value of type `T`: `let service = try await container.get(UserService.self)`.
    ///
    /// Inlinable so that, in the caller, a value that is already cached (an instance, a created
    /// singleton, a scoped value created in this scope) comes back without an async call, a
    /// reference count or an unspecialized generic access, and a transient value is built by its
    /// specialized factory. Always inlined: as a call of its own, it would cost every resolution
    /// an async frame and an executor check even when nothing suspends.
    @inlinable @inline(__always)
    public func get<T>(_ type: T.Type = T.self) async throws -> T {
        var slot = -1
        if let box = appCachedBox(ObjectIdentifier(type), slot: &slot) {
            // Every box of a slot keyed by `T` holds a `T` (see `Box`).
            return box._withUnsafeGuaranteedRef { unsafeDowncast($0, to: Box<T>.self).value }
        }
        // A scoped value of this scope, or one built by synchronous factories: no async call.
        if let value = try resolveWithoutSuspendingIfPossible(type, slot: slot) { return value }
        return try await resolveNotCached(type, slot: slot)
    }

    /// ``get(_:)`` when it can answer without suspending: a cached value, or one its synchronous
    /// factories build now; `nil` when only the async resolver can (an async factory, a value
    /// another task is creating, a closed scope: `get` then reports it). For dispatch paths in
    /// this package that would otherwise pay an async frame per resolution.
    @inlinable
    package func getWithoutSuspending<T>(_ type: T.Type) throws -> T? {
        var slot = -1
        if let box = appCachedBox(ObjectIdentifier(type), slot: &slot) {
            // Every box of a slot keyed by `T` holds a `T` (see `Box`).
            return box._withUnsafeGuaranteedRef { unsafeDowncast($0, to: Box<T>.self).value }
        }
        return try resolveWithoutSuspendingIfPossible(type, slot: slot)
    }

    /// The graph, unretained: the app container keeps every graph it installed alive.
    @usableFromInline
    var graphReference: Unmanaged<CompiledGraph>? { fixedGraphReference ?? currentGraph?.unmanaged }

    /// The box of type `id` if its value is app-wide and ready (an instance, a created
    /// singleton), without a reference; `slot` is set to the type's slot (`-1` if it has none), so
    /// the resolver does not hash the type again.
    @usableFromInline
    func appCachedBox(_ id: ObjectIdentifier, slot: inout Int) -> Unmanaged<AnyBox>? {
        guard let reference = graphReference else { return nil }
        return reference._withUnsafeGuaranteedRef { graph in
            guard let found = graph.lookup[id] else { return nil }
            slot = found
            guard found >= 0, found < graph.slotCount, !state.isClosed else { return nil }
            return graph.publishedBox(found)
        }
    }

    /// A scoped value this scope already holds, or a value created without suspending when its
    /// factory and those of what it reads are synchronous and nobody else is creating it; `nil`
    /// otherwise (the async resolver then takes over, and reports errors such as a closed
    /// scope). Specialized in the caller but not inlined, so `get` stays small.
    @inlinable @inline(never)
    func resolveWithoutSuspendingIfPossible<T>(_ type: T.Type, slot: Int) throws -> T? {
        guard slot >= 0, let reference = graphReference, enterResolution() else { return nil }
        defer { leaveResolution() }
        return try reference._withUnsafeGuaranteedRef { graph -> T? in
            if let value = cachedValue(slot: slot, in: graph) { return value.read(as: T.self) }
            if let factory = transientFactory(slot: slot, in: graph) {
                let typed = factory._withUnsafeGuaranteedRef { unsafeDowncast($0, to: TypedFactory<T>.self) }
                guard let syncBody = typed.syncBody, try prepareSynchronousBuild(slot: slot, in: graph) else { return nil }
                var cursor = DependencyCursor(container: self, graph: graph, slot: slot)
                let value = try syncBody(&cursor)
                if let cleanup = cursor.cleanup { try addCleanup(cleanup, slot: slot, in: graph) }
                return value
            }
            guard let value = try createSynchronously(slot: slot, in: graph) else { return nil }
            return value.read(as: T.self)
        }
    }

    /// Ends a resolution that ``resolveWithoutSuspendingIfPossible(_:slot:)`` or
    /// ``resolveNotCached(_:slot:)`` entered.
    @usableFromInline
    func leaveResolution() { state.leave() }

    /// Starts a resolution: the scope's cached values stay alive until it is left; `false` once
    /// the scope is closed.
    @usableFromInline
    func enterResolution() -> Bool { state.enter() }

    @inlinable @inline(never)
    func resolveNotCached<T>(_ type: T.Type, slot: Int) async throws -> T {
        // Closed: the generic resolver reports it.
        guard enterResolution() else { return try await resolveUncached(type) }
        defer { leaveResolution() }
        let graph = self.graph
        guard slot >= 0 else {
            return try await resolveUncached(type)
        }
        if let factory = transientFactory(slot: slot, in: graph) {
            return try await build(
                unsafeDowncast(factory.takeUnretainedValue(), to: TypedFactory<T>.self), slot: slot, in: graph)
        }
        // A singleton or scoped value not created yet: in place when its factories allow.
        if let value = try createSynchronously(slot: slot, in: graph) {
            return value.read(as: T.self)
        }
        return try await resolve(slot: slot, as: type, in: graph)
    }

    /// Whether `close()` has started; nothing is handed out after that.
    @usableFromInline
    var isClosed: Bool { state.isClosed }

    /// Slot `slot`'s value if it is ready for this container without creating it: an instance,
    /// a created singleton, or a scoped value created in this request scope. `nil` once the
    /// container is closed. Only called inside a resolution, which keeps a scoped value alive.
    @usableFromInline
    func cachedValue(slot: Int, in graph: CompiledGraph) -> CellValue? {
        guard slot >= 0, slot < graph.slotCount, !state.isClosed else { return nil }
        if let box = graph.publishedBox(slot) { return CellValue(box: box) }
        let hot = graph.hot[slot]
        guard hot.kind == .scoped, scope == .request else { return nil }
        return state.publishedValue(hot.cacheIndex)
    }

    /// The factory of slot `slot` if it is a transient provider; no reference is taken.
    @usableFromInline
    func transientFactory(slot: Int, in graph: CompiledGraph) -> Unmanaged<AnyFactory>? {
        guard slot >= 0, slot < graph.slotCount else { return nil }
        let hot = graph.hot[slot]
        return hot.kind == .transient ? hot.factory : nil
    }

    /// Builds a transient value with its factory, registering its cleanup (if any) with this scope.
    @inlinable
    func build<T>(_ factory: TypedFactory<T>, slot: Int, in graph: CompiledGraph) async throws -> T {
        var cursor = DependencyCursor(container: self, graph: graph, slot: slot)
        let value: T
        if let syncBody = factory.syncBody, try prepareSynchronousBuild(slot: slot, in: graph) {
            value = try syncBody(&cursor)
        } else {
            value = try await factory.body(&cursor)
        }
        if let cleanup = cursor.cleanup { try addCleanup(cleanup, slot: slot, in: graph) }
        return value
    }

    @usableFromInline
    func resolveUncached<T>(_ type: T.Type) async throws -> T {
        let graph = self.graph
        guard !state.isClosed else {
            throw ResolutionError(type: typeName(type), reason: .scopeClosed)
        }
        guard let index = graph.lookup[ObjectIdentifier(type)] else {
            throw graph.missingProviderError(type)
        }
        return try await resolve(slot: index, as: type, in: graph)
    }

    /// Whether a provider for `T` is registered in the application.
    public func contains<T>(_ type: T.Type) -> Bool {
        graph.lookup[ObjectIdentifier(type)] != nil
    }

    /// Resolves slot `index` of `graph`, the graph this resolution started with (a request
    /// scope's and its app container's are the same object, so singleton cells are shared).
    @usableFromInline
    func resolve<T>(slot index: Int, as type: T.Type, in graph: CompiledGraph) async throws -> T {
        guard index >= 0, index < graph.slots.count else {
            throw ResolutionError(type, reason: .unregistered)
        }
        let slot = graph.slots[index]
        switch slot.kind {
        case .instance, .context, .container:
            return try resolveWithoutSuspending(slot: index, as: type, in: graph)
        case .factory(let factory, nil):
            return try await build(unsafeDowncast(factory, to: TypedFactory<T>.self), slot: index, in: graph)
        case .factory(let factory, let cacheIndex?):
            if slot.lifetime == .singleton {
                // Lock-free once created, from the app container and from every request scope.
                if let box = graph.singletonCells[cacheIndex].load() {
                    graph.publish(box, slot: index)
                    return unsafeDowncast(box, to: Box<T>.self).value
                }
                if let value = try createSynchronously(slot: index, in: graph) {
                    return value.read(as: T.self)
                }
                let owner = root ?? self
                let value = try await owner.cached(
                    slot, index: index, cacheIndex: cacheIndex, factory: factory, as: type, graph: graph)
                return value.read(as: T.self)
            }
            guard scope == .request else {
                throw ResolutionError(type: slot.key.name, reason: .requestScopedFromApp)
            }
            if let value = try createSynchronously(slot: index, in: graph) {
                return value.read(as: T.self)
            }
            let value = try await cached(slot, index: index, cacheIndex: cacheIndex, factory: factory, as: type, graph: graph)
            return value.read(as: T.self)
        }
    }

    /// Resolves slot `index` without suspending: instances, context values and the container.
    /// Inside a synchronous build the cached values it reads were checked to exist before the
    /// build started, so a cached value found missing means the scope closed meanwhile.
    @usableFromInline
    func resolveWithoutSuspending<T>(slot index: Int, as type: T.Type, in graph: CompiledGraph) throws -> T {
        guard index >= 0, index < graph.slots.count else {
            throw ResolutionError(type, reason: .unregistered)
        }
        let slot = graph.slots[index]
        switch slot.kind {
        case .instance(let box):
            return unsafeDowncast(box, to: Box<T>.self).value
        case .context(let contextScope):
            return try contextValue(slot, scope: contextScope, as: type)
        case .container:
            // The slot is keyed by `Container`, so `T` is `Container`.
            guard let container = self as? T else { throw ResolutionError(type, reason: .unregistered) }
            return container
        case .factory(_, let cacheIndex):
            if let cacheIndex, slot.lifetime == .singleton, !state.isClosed, let box = graph.singletonCells[cacheIndex].load() {
                return unsafeDowncast(box, to: Box<T>.self).value
            }
            throw ResolutionError(type: slot.key.name, reason: .scopeClosed)
        }
    }

    private func contextValue<T>(_ slot: Slot, scope contextScope: Scope, as type: T.Type) throws -> T {
        let source: Container
        switch (contextScope, scope) {
        case (.app, _):
            source = root ?? self
        case (.request, .request):
            source = self
        case (.request, .app):
            throw ResolutionError(type: slot.key.name, reason: .requestScopedFromApp)
        }
        guard let box = source.context?.box(for: slot.key.id) else {
            throw ResolutionError(type: slot.key.name, reason: .contextNotSupplied(contextScope))
        }
        return unsafeDowncast(box, to: Box<T>.self).value
    }

    private enum CacheAction {
        /// Owned by the cell, which outlives the resolution (see ``ScopeStorage/enter()``).
        case ready(CellValue)
        case wait
        case create
        case closed
    }

    /// Takes the first step on cache cell `cacheIndex`: its value, a note to wait for another
    /// creator, or the right to create it (the cell is then pending).
    private func claimCell(_ cacheIndex: Int, graph: CompiledGraph) -> CacheAction {
        if scope == .request {
            switch state.claim(cacheIndex) {
            case .ready(let box): return .ready(box)
            case .create: return .create
            case .wait: return .wait
            case .closed: return .closed
            }
        }
        return state.withLock { state in
            if state.cells.count <= cacheIndex {
                let needed = max(cacheIndex + 1, scope == .app ? graph.singletonCount : graph.scopedCount)
                state.cells.append(contentsOf: repeatElement(.empty, count: needed - state.cells.count))
            }
            switch state.cells[cacheIndex] {
            case .ready(let box): return .ready(CellValue(box: .passUnretained(box)))
            case .pending: return .wait
            case .empty:
                if state.closed || isClosed { return .closed }
                state.cells[cacheIndex] = .pending([])
                return .create
            }
        }
    }

    /// Stores a created value in its claimed cell, publishes it and wakes the waiters. If the
    /// scope closed while the value was being created and it has a cleanup, its cleanup runs now
    /// (the scope's cleanups already ran) and the resolution fails with `scopeClosed`.
    private func completeCell(
        _ cacheIndex: Int, slot index: Int, created: CreatedValue, cleanup: Cleanup?, graph: CompiledGraph
    ) throws -> CellValue {
        let storage = state
        let key = graph.slots[index].key
        if scope == .request {
            // A request scope's cells are lock-free; only registering a cleanup takes the lock
            // (refused, and run at once, if the scope closed meanwhile).
            if let cleanup {
                do {
                    try addCleanup(cleanup, key: key)
                } catch {
                    storage.fail(cacheIndex, error: error)
                    throw error
                }
            }
            return storage.complete(cacheIndex, created)
        }
        // The app container's cells (singletons) always hold boxes: request scopes read them
        // from the graph, which only publishes boxes. Only scoped values, which the app container
        // never creates, are built as objects, so `.object` does not reach here.
        let box: AnyBox
        switch created {
        case .box(let created): box = created
        case .object: throw ResolutionError(type: key.name, reason: .requestScopedFromApp)
        }
        let (waiters, accepted): ([CheckedContinuation<CellValue?, any Error>], Bool) = storage.withLock { state in
            var waiters: [CheckedContinuation<CellValue?, any Error>] = []
            if case .pending(let pending) = state.cells[cacheIndex] { waiters = pending }
            if let cleanup {
                storage.noteCleanup()
                guard !state.closed, !storage.isClosedForCleanups else {
                    state.cells[cacheIndex] = .empty
                    return (waiters, false)
                }
                state.finalizers.append(Finalizer(key: key, run: cleanup, cell: cacheIndex))
            }
            state.cells[cacheIndex] = .ready(box)
            return (waiters, true)
        }
        guard accepted else {
            let error = ResolutionError(type: key.name, reason: .scopeClosed)
            for waiter in waiters { waiter.resume(throwing: error) }
            if let cleanup { Task { try? await cleanup() } }
            throw error
        }
        graph.publish(graph.singletonCells[cacheIndex].storeIfNilThenLoad(box), slot: index)
        // The cell array keeps the box alive for as long as the app container.
        let value = CellValue(box: .passUnretained(box))
        for waiter in waiters { waiter.resume(returning: value) }
        return value
    }

    /// Empties a claimed cell after its factory threw, passing the error to the waiters.
    private func failCell(_ cacheIndex: Int, error: any Error) {
        if scope == .request {
            state.fail(cacheIndex, error: error)
            return
        }
        let waiters: [CheckedContinuation<CellValue?, any Error>] = state.withLock { state in
            var waiters: [CheckedContinuation<CellValue?, any Error>] = []
            if case .pending(let pending) = state.cells[cacheIndex] { waiters = pending }
            state.cells[cacheIndex] = .empty
            return waiters
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }

    /// Makes sure every cached value a synchronous build of `slot` reads exists, creating
    /// missing ones without suspending where their factories allow. `false`: the build must take
    /// the async path (an async factory somewhere, or a value another task is creating).
    @usableFromInline
    func prepareSynchronousBuild(slot: Int, in graph: CompiledGraph) throws -> Bool {
        let hot = graph.hot[slot]
        guard hot.frontierCount >= 0 else { return false }
        for offset in 0 ..< hot.frontierCount {
            let input = graph.slotLists[hot.frontier + offset]
            if cachedValue(slot: input, in: graph) != nil { continue }
            guard try createSynchronously(slot: input, in: graph) != nil else { return false }
        }
        return true
    }

    /// Creates the singleton or scoped value of `slot` without suspending, if its factory and
    /// its inputs' are synchronous and no other task is creating it; `nil` otherwise, and the
    /// caller takes the async path. The cell protocol is the async path's, so concurrent
    /// resolutions still see exactly one creation.
    @usableFromInline
    func createSynchronously(slot index: Int, in graph: CompiledGraph) throws -> CellValue? {
        let hot = graph.hot[index]
        guard hot.frontierCount >= 0, let factory = hot.factory else { return nil }
        // Unretained: `self` is alive for this call and holds the app container.
        let owner: Unmanaged<Container>
        switch hot.kind {
        case .singleton:
            if let rootObject {
                owner = .passUnretained(unsafeDowncast(rootObject, to: Container.self))
            } else {
                owner = .passUnretained(self)
            }
        case .scoped where scope == .request: owner = .passUnretained(self)
        default: return nil
        }
        return try owner._withUnsafeGuaranteedRef { owner in
            // Its inputs first; the recursion ends because the graph is acyclic (validated).
            guard try owner.prepareSynchronousBuild(slot: index, in: graph) else { return nil }
            switch owner.claimCell(hot.cacheIndex, graph: graph) {
            case .ready(let value):
                return value
            case .wait, .closed:
                return nil
            case .create:
                do {
                    var cursor = DependencyCursor(container: owner, graph: graph, slot: index)
                    // A request scope keeps a class instance as itself: no box to allocate.
                    let created = try factory._withUnsafeGuaranteedRef { factory -> CreatedValue in
                        if hot.kind == .scoped, factory.buildsObject { return .object(try factory.buildObjectSync(&cursor)) }
                        return .box(try factory.buildBoxSync(&cursor))
                    }
                    // The cell now owns the value.
                    return try owner.completeCell(hot.cacheIndex, slot: index, created: created, cleanup: cursor.cleanup, graph: graph)
                } catch {
                    owner.failCell(hot.cacheIndex, error: error)
                    throw error
                }
            }
        }
    }

    /// Returns the cached value of a singleton or scoped slot, creating it once. Concurrent first
    /// resolutions wait for the creator instead of running the factory again.
    private func cached<T>(
        _ slot: Slot, index: Int, cacheIndex: Int, factory: AnyFactory, as type: T.Type, graph: CompiledGraph
    ) async throws -> CellValue {
        while true {
            switch claimCell(cacheIndex, graph: graph) {
            case .ready(let value):
                return value
            case .closed:
                throw ResolutionError(type: slot.key.name, reason: .scopeClosed)
            case .wait:
                let value: CellValue? = try await withCheckedThrowingContinuation { continuation in
                    if scope == .request {
                        if let immediate = state.park(continuation, on: cacheIndex) { continuation.resume(returning: immediate) }
                        return
                    }
                    let immediate: CellValue?? = state.withLock { state in
                        switch state.cells[cacheIndex] {
                        case .ready(let box): return .some(CellValue(box: .passUnretained(box)))
                        case .pending(var waiters):
                            waiters.append(continuation)
                            state.cells[cacheIndex] = .pending(waiters)
                            return .none
                        case .empty: return .some(nil)  // the creator failed: try again
                        }
                    }
                    if let immediate { continuation.resume(returning: immediate) }
                }
                if let value { return value }
            case .create:
                do {
                    var cursor = DependencyCursor(container: self, graph: graph, slot: index)
                    let box: AnyBox
                    if factory.isSynchronous, try prepareSynchronousBuild(slot: index, in: graph) {
                        box = try factory.buildBoxSync(&cursor)
                    } else {
                        box = Box(try await unsafeDowncast(factory, to: TypedFactory<T>.self).body(&cursor))
                    }
                    return try completeCell(cacheIndex, slot: index, created: .box(box), cleanup: cursor.cleanup, graph: graph)
                } catch {
                    failCell(cacheIndex, error: error)
                    throw error
                }
            }
        }
    }

    @usableFromInline
    func addCleanup(_ cleanup: @escaping Cleanup, slot: Int, in graph: CompiledGraph) throws {
        try addCleanup(cleanup, key: graph.slots[slot].key)
    }

    func addCleanup(_ cleanup: @escaping Cleanup, key: TypeKey) throws {
        let finalizer = Finalizer(key: key, run: cleanup)
        let storage = state
        let accepted = storage.withLock { state in
            storage.noteCleanup()
            guard !state.closed, !storage.isClosedForCleanups else { return false }
            state.finalizers.append(finalizer)
            return true
        }
        if !accepted {
            // The value was created after its scope closed: release it now rather than leak it.
            Task { try? await finalizer.run() }
            throw ResolutionError(type: key.name, reason: .scopeClosed)
        }
    }

    /// Runs every cleanup in reverse creation order. Later resolutions fail with `scopeClosed`.
    /// Returns the errors cleanups threw; every cleanup runs regardless.
    @usableFromInline @discardableResult
    func close() async -> [any Error] {
        let finalizers = takeFinalizersForClose()
        let errors = finalizers.isEmpty ? [] : await run(finalizers)
        releaseCachedValues()
        return errors
    }

    /// Drops a closed request scope's cached values once no resolution is in progress, which
    /// breaks the cycle of a cached value that holds this container. The app container keeps
    /// its singletons: request scopes read them without a reference for as long as the app runs.
    func releaseCachedValues() {
        if scope == .request { state.requestRelease() }
    }

    /// Closes the scope if it registered no cleanups; returns whether it did. Synchronous, so a
    /// scope that created nothing needing cleanup closes without an async call.
    @usableFromInline
    func closeIfNothingToCleanUp() -> Bool {
        // No lock: a cleanup registered concurrently either is seen here (then `close()` runs
        // it) or sees the closed flag and is refused (see `ScopeStorage.markClosed()`).
        state.markClosed()
        guard !state.hasCleanups else { return false }
        releaseCachedValues()
        return true
    }

    /// Closes the scope, running its cleanups; throws the first error a cleanup threw (every
    /// cleanup runs regardless).
    @usableFromInline
    func closeRunningCleanups() async throws {
        let errors = await close()
        if let first = errors.first { throw first }
    }

    /// Marks the scope closed and hands back its cleanups (empty if it was closed already).
    /// Synchronous, so a scope that created nothing needing cleanup closes without an async call.
    func takeFinalizersForClose() -> [Finalizer] {
        state.markClosed()
        return state.withLock { state -> [Finalizer] in
            guard !state.closed else { return [] }
            state.closed = true
            let finalizers = state.finalizers
            state.finalizers = []
            return finalizers
        }
    }

    func run(_ finalizers: [Finalizer]) async -> [any Error] {
        var errors: [any Error] = []
        for finalizer in finalizers.reversed() {
            do {
                try await finalizer.run()
            } catch {
                logger.error("Cleanup of \(finalizer.key.name) failed: \(error)", metadata: [WakuLogMetadata.Key.scope: "\(scope)"])
                errors.append(CleanupError(type: finalizer.key.name, underlying: error))
            }
        }
        return errors
    }
}

/// A cleanup registered by a factory threw while its scope closed.
public struct CleanupError: Error, Sendable, CustomStringConvertible {
    /// The name of the type whose cleanup threw.
    public let type: String
    /// The error the cleanup threw.
    public let underlying: any Error
    /// `Cleanup of <type> failed: <error>`.
    public var description: String { "Cleanup of \(type) failed: \(underlying)" }
}
