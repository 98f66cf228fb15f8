extension WakuApplication {
    /// The application as a model: modules, their imports, exports and providers, plus what
    /// every ``ApplicationDescriptionContributor`` adds (message flow, with `WakuMessaging`).
    ///
    /// It reads the built application only: it works before ``initialize()`` and starts nothing.
    public func describe() -> ApplicationDescription {
        let activation = ActivationContext(context: container.context ?? ContextValues())
        var description = ApplicationDescription(modules: modules.map { module in
            ApplicationDescription.ModuleEntry(
                name: module.identity.name,
                isGlobal: module.isGlobal,
                isDynamic: module.identity.isDynamic,
                imports: uniqueImportNames(module),
                exports: module.exports.map(\.entry),
                providers: module.providers.filter { !$0.isFrameworkInternal }.map { $0.entry(activation) })
        })
        for contributor in extensions(ofType: (any ApplicationDescriptionContributor).self) {
            contributor.contribute(to: &description, app: self)
        }
        return description
    }

    /// The application rendered as a Mermaid flowchart or a Graphviz DOT digraph:
    ///
    /// ```swift
    /// print(app.describe(format: .dot))   // swift run my-app --describe | dot -Tsvg > app.svg
    /// ```
    public func describe(format: DescriptionFormat) -> String {
        describe().rendered(as: format)
    }

    private func uniqueImportNames(_ module: ModuleMetadata) -> [String] {
        var seen: Set<ObjectIdentifier> = []
        return module.imports.map(\.moduleIdentity).filter { seen.insert($0.type).inserted }.map(\.name)
    }
}

extension Container {
    /// The value registered with ``object(_:as:when:)`` for `T`, read without resolving anything,
    /// so it works before the application is initialized. `nil` when `T` has no such provider.
    package func registeredInstance<T>(_ type: T.Type) -> T? {
        let graph = self.graph
        guard let index = graph.lookup[ObjectIdentifier(type)], index >= 0, index < graph.slots.count,
              case .instance(let box) = graph.slots[index].kind
        else { return nil }
        return (box as? Box<T>)?.value
    }
}

extension Export {
    var entry: ApplicationDescription.ExportEntry {
        switch kind {
        case .type(let key): ApplicationDescription.ExportEntry(name: key.name)
        case .module(_, let name): ApplicationDescription.ExportEntry(name: name.description, isModule: true)
        }
    }
}

extension Provider {
    /// Bookkeeping providers that frameworks add for validation (never resolved).
    var isFrameworkInternal: Bool { lookupKey.id == ObjectIdentifier(RequirementAnchor.self) }

    func entry(_ activation: ActivationContext) -> ApplicationDescription.ProviderEntry {
        ApplicationDescription.ProviderEntry(
            type: lookupKey.name, lifetime: lifetime, implementation: implementation, isContribution: isMultiBinding,
            condition: condition?.description, isActive: condition.map { $0.predicate(activation) } ?? true)
    }
}
