extension WakuApplication {
    /// Replaces providers for the duration of `body`, then restores the originals, even if `body`
    /// throws. Overridden singletons get fresh instances; request scopes opened inside `body`
    /// see the overrides. Used by `WakuTesting.override(_:_:_:)`.
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
        defer {
            container.install(original)
            // Overriding singletons got cache indices past the graph's own; the next override
            // reuses those indices, so it must not find this override's instances there.
            container.forgetCachedSingletons(from: original.singletonCount)
        }
        return try await body()
    }
}

extension Container {
    /// Empties the app scope's created cache cells at `index` and above.
    func forgetCachedSingletons(from index: Int) {
        state.withLock { state in
            guard state.cells.count > index else { return }
            for position in index..<state.cells.count {
                if case .ready = state.cells[position] { state.cells[position] = .empty }
            }
        }
    }
}
