extension WakuApplication {
    /// Replaces providers for the duration of `body`, then restores the originals, even if `body`
    /// throws. Used by `WakuTesting.override(_:_:isolation:_:)`.
    ///
    /// Request scopes opened inside `body`, and the app container, see the overrides. Overridden
    /// singletons, and every singleton depending on an overridden type, are built afresh inside
    /// and dropped when `body` ends: their cleanups run then, and afterwards the app sees its own
    /// instances again, as in waku. Singletons that depend on nothing overridden are shared with
    /// the app, as they would be the same instances either way.
    package func withOverrides<R>(
        _ providers: [Provider],
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> R
    ) async throws -> R {
        let original = container.graph
        var replacements: [(Int, (inout Int, inout Int) -> Slot)] = []
        for provider in providers {
            guard let position = original.lookup[provider.lookupKey.id], !provider.isMultiBinding else {
                throw ResolutionError(type: provider.lookupKey.name, reason: .invalidOverride)
            }
            replacements.append((position, { singletons, scoped in
                Slot(provider: provider, index: original.lookup, singletons: &singletons, scoped: &scoped)
            }))
        }
        container.install(original.replacing(replacements))
        let outcome: Result<R, any Error>
        do {
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        container.install(original)
        // The override's cells are past the graph's own; the next override reuses those indices,
        // so it must not find this override's instances there.
        let errors = await container.dropSingletons(from: original.singletonCount)
        let result = try outcome.get()
        if let first = errors.first { throw first }
        return result
    }
}

extension Container {
    /// Empties the app scope's cache cells at `index` and above, and runs the cleanups of the
    /// values they held, in reverse creation order. Returns the errors cleanups threw.
    func dropSingletons(from index: Int) async -> [any Error] {
        let finalizers = state.withLock { state -> [Finalizer] in
            if state.cells.count > index {
                for position in index..<state.cells.count {
                    if case .ready = state.cells[position] { state.cells[position] = .empty }
                }
            }
            let dropped = state.finalizers.filter { $0.cell >= index }
            state.finalizers.removeAll { $0.cell >= index }
            return dropped
        }
        return finalizers.isEmpty ? [] : await run(finalizers)
    }
}
