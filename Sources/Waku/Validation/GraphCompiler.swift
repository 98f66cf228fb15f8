/// Validates the provider graph and compiles it into slots. Every problem is collected; none
/// stops the others from being found.
struct GraphCompiler {
    struct Registered {
        let module: Int
        let provider: Provider
    }

    let modules: [ModuleMetadata]
    let imports: [[Int]]
    let context: ContextValues
    let mode: ValidationMode

    private(set) var issues: [StartupIssue] = []
    /// The provider chosen for each key (the active one; the first when there are duplicates).
    private var chosen: [TypeKey: Registered] = [:]
    private var chosenOrder: [TypeKey] = []
    /// Active multi-binding contributions per collection key, in registration order.
    private var contributions: [TypeKey: [Registered]] = [:]
    private var contributionOrder: [TypeKey] = []
    /// Keys with at least one conditional provider whose condition was false.
    private var inactive: [TypeKey: [Registered]] = [:]
    private var declaredKeys: [Set<TypeKey>] = []
    private var exportedTypes: [Set<TypeKey>?] = []

    init(modules: [ModuleMetadata], imports: [[Int]], context: ContextValues, mode: ValidationMode) {
        self.modules = modules
        self.imports = imports
        self.context = context
        self.mode = mode
    }

    mutating func compile() -> CompiledGraph {
        selectProviders()
        if mode == .strict {
            checkExports()
            checkDependencies()
        }
        checkCycles()
        return buildGraph()
    }

    // MARK: Selection, duplicates and conditions

    private mutating func selectProviders() {
        let activation = ActivationContext(context: context)
        var active: [TypeKey: [Registered]] = [:]
        var order: [TypeKey] = []
        var conditionalKeys: [TypeKey: Int] = [:]
        declaredKeys = Array(repeating: [], count: modules.count)
        for (moduleIndex, module) in modules.enumerated() {
            for provider in module.providers {
                let key = provider.lookupKey
                declaredKeys[moduleIndex].insert(key)
                let registered = Registered(module: moduleIndex, provider: provider)
                // Multi-binding contributions are not alternatives: any number may be active.
                if provider.condition != nil, provider.multi == nil { conditionalKeys[key, default: 0] += 1 }
                if let condition = provider.condition, !condition.predicate(activation) {
                    inactive[key, default: []].append(registered)
                    if provider.multi != nil, contributions[key] == nil {
                        // Every contribution may be inactive: the collection then resolves empty.
                        contributionOrder.append(key)
                        contributions[key] = []
                    }
                    continue
                }
                if provider.multi != nil {
                    if contributions[key] == nil { contributionOrder.append(key) }
                    contributions[key, default: []].append(registered)
                    continue
                }
                if active[key] == nil { order.append(key) }
                active[key, default: []].append(registered)
            }
        }
        for key in order {
            guard let candidates = active[key], let first = candidates.first else { continue }
            if let override = candidates.last(where: { $0.provider.isOverride }) {
                chosen[key] = override
            } else {
                chosen[key] = first
                if candidates.count > 1 { reportDuplicates(key, candidates) }
            }
            chosenOrder.append(key)
        }
        guard mode == .strict else { return }
        for (key, count) in conditionalKeys where count >= 2 && active[key] == nil && contributions[key] == nil {
            let alternatives = inactive[key] ?? []
            issues.append(StartupIssue(
                kind: .conditionalProviders,
                message: "No conditional provider of \(key) is active: all \(alternatives.count) alternatives "
                    + "(\(alternatives.map { describe($0) }.joined(separator: ", "))) have false conditions.",
                modules: unique(alternatives.map { modules[$0.module].name }),
                subject: key.name,
                fix: "Make exactly one alternative's `when:` condition hold for this configuration, or add an unconditional fallback."))
        }
    }

    private mutating func reportDuplicates(_ key: TypeKey, _ candidates: [Registered]) {
        let places = candidates.map { describe($0) }.joined(separator: ", ")
        let moduleNames = unique(candidates.map { modules[$0.module].name })
        if candidates.allSatisfy({ $0.provider.condition != nil }) {
            issues.append(StartupIssue(
                kind: .conditionalProviders,
                message: "Several conditional providers of \(key) are active at once: \(places).",
                modules: moduleNames, subject: key.name,
                fix: "Make the `when:` conditions of \(key)'s alternatives mutually exclusive."))
        } else {
            let inOneModule = moduleNames.count == 1
            issues.append(StartupIssue(
                kind: .duplicateProvider,
                message: "\(key) is provided \(inOneModule ? "twice in module \(moduleNames[0])" : "by several modules: \(moduleNames.joined(separator: " and "))") (\(places)).",
                modules: moduleNames, subject: key.name,
                fix: "Keep one provider of \(key) and export it from its module, or use `many(…)` for a multi-binding."))
        }
    }

    // MARK: Exports and visibility

    private mutating func checkExports() {
        exportedTypes = Array(repeating: nil, count: modules.count)
        for moduleIndex in modules.indices {
            _ = exports(of: moduleIndex, reportingIssues: true)
        }
    }

    /// The types a module exposes to importers: its valid type exports plus everything the
    /// modules it re-exports expose.
    private mutating func exports(of moduleIndex: Int, reportingIssues: Bool = false) -> Set<TypeKey> {
        if let cached = exportedTypes[moduleIndex] { return cached }
        let module = modules[moduleIndex]
        var result: Set<TypeKey> = []
        // Re-exported modules first: a type export may name a type an imported module exports.
        var fromImports: Set<TypeKey> = []
        for imported in imports[moduleIndex] { fromImports.formUnion(exports(of: imported)) }
        for export in module.exports {
            switch export.kind {
            case .type(let key):
                if declaredKeys[moduleIndex].contains(key) || fromImports.contains(key) {
                    result.insert(key)
                } else if reportingIssues {
                    issues.append(StartupIssue(
                        kind: .invalidExport,
                        message: "Module \(module.name) exports \(key), which it neither provides nor re-exports from an import.",
                        modules: [module.name], subject: key.name,
                        fix: "Add a provider of \(key) to \(module.name), import a module that exports it, or remove the export."))
                }
            case .module(let id, let typeName):
                let name = typeName.description
                if let imported = imports[moduleIndex].first(where: { modules[$0].identity.type == id }) {
                    result.formUnion(exports(of: imported))
                } else if reportingIssues {
                    issues.append(StartupIssue(
                        kind: .invalidExport,
                        message: "Module \(module.name) re-exports module \(name), which it does not import.",
                        modules: [module.name, name], subject: name,
                        fix: "Add \(name) to \(module.name)'s imports, or remove the export."))
                }
            }
        }
        exportedTypes[moduleIndex] = result
        return result
    }

    private func isVisible(_ key: TypeKey, from moduleIndex: Int, globalExports: Set<TypeKey>) -> Bool {
        if declaredKeys[moduleIndex].contains(key) || globalExports.contains(key) { return true }
        return imports[moduleIndex].contains { exportedTypes[$0]?.contains(key) ?? false }
    }

    // MARK: Dependencies

    private mutating func checkDependencies() {
        var globalExports: Set<TypeKey> = []
        for (index, module) in modules.enumerated() where module.isGlobal {
            globalExports.formUnion(exportedTypes[index] ?? [])
        }
        var dependents: [TypeKey: [TypeKey]] = [:]
        for key in chosenOrder {
            guard let registered = chosen[key] else { continue }
            for dependency in registered.provider.dependencies { dependents[dependency, default: []].append(key) }
        }
        for key in chosenOrder {
            guard let registered = chosen[key] else { continue }
            check(registered, dependents: dependents, globalExports: globalExports)
        }
        for key in contributionOrder {
            for registered in contributions[key] ?? [] {
                check(registered, dependents: dependents, globalExports: globalExports)
            }
        }
    }

    private mutating func check(_ registered: Registered, dependents: [TypeKey: [TypeKey]], globalExports: Set<TypeKey>) {
        let provider = registered.provider
        for dependency in provider.dependencies {
            if dependency == Self.containerKey { continue }
            if let collection = contributions[dependency] {
                if provider.lifetime == .singleton,
                   let shortLived = collection.first(where: { $0.provider.lifetime != .singleton && $0.provider.lifetime != .object }) {
                    reportCaptive(registered, dependency: dependency, dependencyLifetime: shortLived.provider.lifetime)
                }
                continue
            }
            guard let target = chosen[dependency] else {
                reportMissing(registered, dependency: dependency, dependents: dependents)
                continue
            }
            if case .context = target.provider.lifetime {
                // Context values are visible everywhere.
            } else if provider.isOverride {
                // Test overrides stand in for a provider wherever it lives.
            } else if !isVisible(dependency, from: registered.module, globalExports: globalExports) {
                let moduleName = modules[registered.module].name
                let owner = modules[target.module].name
                let exported = exportedTypes[target.module]?.contains(dependency) ?? false
                let fix = exported
                    ? "Import \(owner) into \(moduleName) (imports are not transitive)."
                    : "Export \(dependency) from \(owner) (`exports: [.type(\(dependency).self)]`) and import \(owner) into \(moduleName)."
                issues.append(StartupIssue(
                    kind: .boundaryViolation,
                    message: "\(describe(registered, withModule: false)) in module \(moduleName) depends on \(dependency), "
                        + "which module \(owner) provides but does not make visible to \(moduleName).",
                    modules: [moduleName, owner], subject: provider.key.name, fix: fix))
            }
            if provider.lifetime == .singleton {
                let lifetime = target.provider.lifetime
                if lifetime == .scoped || lifetime == .transient || lifetime == .context(.request) {
                    reportCaptive(registered, dependency: dependency, dependencyLifetime: lifetime)
                }
            }
        }
    }

    private mutating func reportMissing(_ registered: Registered, dependency: TypeKey, dependents: [TypeKey: [TypeKey]]) {
        var path = [dependency.name, registered.provider.key.name]
        var seen: Set<TypeKey> = [dependency, registered.provider.key]
        var current = registered.provider.key
        while let next = dependents[current]?.first(where: { !seen.contains($0) }) {
            path.append(next.name)
            seen.insert(next)
            current = next
        }
        let moduleName = modules[registered.module].name
        var message = "\(describe(registered, withModule: false)) in module \(moduleName) depends on \(dependency), which no module provides. "
            + "Dependency path: \(path.reversed().joined(separator: " -> "))."
        var fix = "Add a provider of \(dependency) (for example `scoped(\(dependency).init)`) to a module that \(moduleName) imports, and export it."
        if let alternatives = inactive[dependency] {
            message += " Its \(alternatives.count) conditional provider(s) are all inactive."
            fix = "Make one `when:` condition of \(dependency) hold, or add an unconditional provider."
        }
        issues.append(StartupIssue(
            kind: .missingDependency, message: message, modules: [moduleName],
            subject: registered.provider.key.name, fix: fix))
    }

    private mutating func reportCaptive(_ registered: Registered, dependency: TypeKey, dependencyLifetime: Lifetime) {
        let moduleName = modules[registered.module].name
        issues.append(StartupIssue(
            kind: .captiveDependency,
            message: "\(describe(registered, withModule: false)) in module \(moduleName) depends on \(dependencyLifetime) \(dependency); "
                + "the singleton would capture one instance for the whole app.",
            modules: [moduleName], subject: registered.provider.key.name,
            fix: "Make \(registered.provider.key) scoped, make \(dependency) a singleton, or resolve \(dependency) per request instead of injecting it."))
    }

    // MARK: Cycles

    private mutating func checkCycles() {
        enum Color { case gray, black }
        var color: [TypeKey: Color] = [:]
        var stack: [TypeKey] = []
        var reported: Set<Set<TypeKey>> = []

        func edges(_ key: TypeKey) -> [TypeKey] {
            if let registered = chosen[key] { return registered.provider.dependencies }
            if let collection = contributions[key] { return collection.flatMap(\.provider.dependencies) }
            return []
        }

        var found: [[TypeKey]] = []
        // Iterative DFS: graphs of 10,000 providers must not overflow the stack.
        for start in chosenOrder + contributionOrder where color[start] == nil {
            var work: [(key: TypeKey, next: Int)] = [(start, 0)]
            color[start] = .gray
            stack.append(start)
            while var top = work.popLast() {
                let children = edges(top.key)
                if top.next < children.count {
                    let child = children[top.next]
                    top.next += 1
                    work.append(top)
                    switch color[child] {
                    case .gray:
                        if let begin = stack.firstIndex(of: child) {
                            let cycle = Array(stack[begin...])
                            if reported.insert(Set(cycle)).inserted { found.append(cycle + [child]) }
                        }
                    case .black:
                        break
                    case nil:
                        if chosen[child] != nil || contributions[child] != nil {
                            color[child] = .gray
                            stack.append(child)
                            work.append((child, 0))
                        }
                    }
                } else {
                    color[top.key] = .black
                    stack.removeLast()
                }
            }
        }
        for cycle in found {
            let involved = unique(cycle.compactMap { chosen[$0].map { modules[$0.module].name } })
            issues.append(StartupIssue(
                kind: .dependencyCycle,
                message: "Dependency cycle: \(cycle.map(\.name).joined(separator: " -> "))"
                    + (involved.isEmpty ? "." : " (in \(involved.count == 1 ? "module" : "modules") \(involved.joined(separator: ", ")))."),
                modules: involved, subject: cycle.first?.name,
                fix: "Break the cycle: extract the shared part into a new type both depend on, or inject a factory instead of the instance."))
        }
    }

    // MARK: Compilation

    /// The resolving container is injectable everywhere: factories may take `Container`.
    static let containerKey = TypeKey(Container.self)

    private func buildGraph() -> CompiledGraph {
        var index: [ObjectIdentifier: Int] = [:]
        index.reserveCapacity(chosenOrder.count + contributionOrder.count + 1)
        var position = 0
        for key in chosenOrder {
            index[key.id] = position
            position += 1
        }
        for key in contributionOrder where index[key.id] == nil {
            index[key.id] = position
            position += 1
        }
        let containerPosition = index[Self.containerKey.id] == nil ? position : nil
        if let containerPosition { index[Self.containerKey.id] = containerPosition }
        var slots: [Slot] = []
        slots.reserveCapacity(position)
        var singletons = 0
        var scoped = 0
        func makeSlot(_ registered: Registered) -> Slot {
            Slot(
                provider: registered.provider, index: index,
                singletons: &singletons, scoped: &scoped)
        }
        for key in chosenOrder {
            if let registered = chosen[key] { slots.append(makeSlot(registered)) }
        }
        // Contribution slots go after the indexed ones; the collection slot points at them.
        var pendingCollections: [(TypeKey, Provider.MultiBinding)] = []
        for key in contributionOrder where chosen[key] == nil {
            guard let collection = contributions[key],
                  let representative = collection.first ?? inactive[key]?.first(where: { $0.provider.multi != nil }),
                  let multi = representative.provider.multi
            else { continue }
            pendingCollections.append((key, multi))
            slots.append(Slot(key: key, lifetime: .transient, kind: .context(.app), dependencySlots: []))
        }
        if containerPosition != nil {
            slots.append(Slot(key: Self.containerKey, lifetime: .transient, kind: .container, dependencySlots: []))
        }
        for (offset, (key, multi)) in pendingCollections.enumerated() {
            var contributionSlots: [Int] = []
            for registered in contributions[key] ?? [] {
                contributionSlots.append(slots.count)
                slots.append(makeSlot(registered))
            }
            let collectionPosition = chosenOrder.count + offset
            slots[collectionPosition] = Slot(
                key: key, lifetime: .transient, kind: .factory(multi.makeCollector(contributionSlots), cacheIndex: nil),
                dependencySlots: [])
        }
        return CompiledGraph(slots: slots, index: index, singletonCount: singletons, scopedCount: scoped)
    }

    // MARK: Helpers

    private func describe(_ registered: Registered, withModule: Bool = true) -> String {
        let provider = registered.provider
        let implementation = provider.implementation == provider.key.name ? "" : " (\(provider.implementation))"
        let place = withModule ? " in \(modules[registered.module].name)" : ""
        return "\(provider.lifetime) \(provider.key)\(implementation)\(place)"
    }

    private func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}
