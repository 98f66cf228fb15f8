/// One compiled provider: everything the container needs to resolve it, with dependencies
/// already turned into slot indices.
final class Slot: Sendable {
    enum Kind: Sendable {
        case instance(AnyBox)
        case factory(AnyFactory, cacheIndex: Int?)
        case context(Scope)
        /// The resolving container itself (the built-in ``Container`` provider).
        case container
    }

    let key: TypeKey
    let lifetime: Lifetime
    let kind: Kind
    /// Slot index of each dependency in parameter order; `-1` for one that is not registered
    /// (only possible when validation was skipped).
    let dependencySlots: [Int]
    /// For a multi-binding collection, the slots of its contributions, which its collector
    /// resolves; empty otherwise. Test overrides follow these edges too.
    let collectedSlots: [Int]

    init(key: TypeKey, lifetime: Lifetime, kind: Kind, dependencySlots: [Int], collectedSlots: [Int] = []) {
        self.key = key
        self.lifetime = lifetime
        self.kind = kind
        self.dependencySlots = dependencySlots
        self.collectedSlots = collectedSlots
    }

    /// The same slot with its singleton value in cache cell `cacheIndex`.
    func withSingletonCell(_ cacheIndex: Int) -> Slot {
        guard case .factory(let factory, _) = kind else { return self }
        return Slot(
            key: key, lifetime: lifetime, kind: .factory(factory, cacheIndex: cacheIndex),
            dependencySlots: dependencySlots, collectedSlots: collectedSlots)
    }

    /// Compiles a provider, taking the next cache index for cached lifetimes.
    convenience init(provider: borrowing Provider, index: TypeIndex, singletons: inout Int, scoped: inout Int) {
        self.init(
            provider: provider, dependencySlots: provider.dependencies.map { index[$0.id] ?? -1 },
            singletons: &singletons, scoped: &scoped)
    }

    /// The same, with the dependencies' slots already known.
    convenience init(provider: borrowing Provider, dependencySlots: [Int], singletons: inout Int, scoped: inout Int) {
        let kind: Kind
        switch provider.lifetime {
        case .object:
            kind = provider.instance.map { .instance($0) } ?? .context(.app)
        case .context(let scope):
            kind = .context(scope)
        case .singleton:
            kind = .factory(provider.factory ?? AnyFactory(), cacheIndex: singletons)
            singletons += 1
        case .scoped:
            kind = .factory(provider.factory ?? AnyFactory(), cacheIndex: scoped)
            scoped += 1
        case .transient:
            kind = .factory(provider.factory ?? AnyFactory(), cacheIndex: nil)
        }
        self.init(
            key: provider.key, lifetime: provider.lifetime, kind: kind, dependencySlots: dependencySlots)
    }

    /// Whether the slot's factory can run without suspending.
    var isSynchronousFactory: Bool {
        if case .factory(let factory, _) = kind { return factory.isSynchronous }
        return false
    }
}
