/// Validates the provider graph and compiles it into slots. Every problem is collected; none
/// stops the others from being found.
///
/// Each type is turned into a dense id once (``KeyTable``), and every check then reads arrays
/// indexed by id, so the work is linear in the number of providers, dependencies and exports.
struct GraphCompiler {
    /// What is known about one type, by its id.
    private struct KeyInfo {
        /// The entry chosen to provide it; -1 when none is active.
        var chosen = -1
        /// The first active (non-multi-binding) entry providing it; all of them are in
        /// `duplicateCandidates` when there are several.
        var firstActive = -1
        var hasDuplicates = false
        /// Its index in `collections` when it is a multi-binding collection; -1 otherwise.
        var collection = -1
        /// The first module declaring a provider of it, active or not; more in `extraDeclarers`.
        var declaredBy = -1
        var hasExtraDeclarers = false
        /// The first module exposing it to importers; more in `extraExporters` (strict mode).
        var exportedBy = -1
        var hasExtraExporters = false
        var isGlobalExport = false
        /// Its slot in the compiled graph; -1 when it has none.
        var position = -1
        /// Scratch marks for the per-module set operations of `checkExports`.
        var importMark = 0
        var resultMark = 0
    }

    let modules: [ModuleMetadata]
    let imports: [[Int]]
    let context: ContextValues
    let mode: ValidationMode

    private(set) var issues: [StartupIssue] = []
    /// In `.warn` mode, the problems found by the checks that ``ValidationMode/disabled`` skips,
    /// which the factory logs; in `.strict` mode they are in `issues`.
    private(set) var checkedIssues: [StartupIssue] = []

    private var table: KeyTable
    private var info: [KeyInfo] = []
    private let containerID: Int

    /// Every provider of every module in start-up order (an "entry"): its module, its index
    /// there, what the checks read of it, and the ids of its dependencies
    /// (`dependencyIDs[dependencyStart[e] ..< dependencyStart[e + 1]]`). Providers themselves
    /// are not copied: each copy retains every reference a provider holds, and at 10,000
    /// providers those retains, on objects spread across the heap, were most of the time.
    private var entryModule: [Int] = []
    private var entryIndex: [Int] = []
    private var entryLifetime: [Lifetime] = []
    private var entryIsOverride: [Bool] = []
    private var dependencyStart: [Int] = [0]
    private var dependencyIDs: [Int] = []

    /// Keys with a chosen provider, in the order they were first provided.
    private var chosenOrder: [Int] = []
    /// Multi-binding collections in the order they were first met, and each one's active
    /// contributions in registration order.
    private var collectionOrder: [Int] = []
    private var collections: [[Int]] = []
    /// The rare cases, kept out of `KeyInfo`: every active candidate of a key provided more
    /// than once, providers whose condition was false, further declaring and exporting modules.
    private var duplicateCandidates: [Int: [Int]] = [:]
    private var inactive: [Int: [Int]] = [:]
    private var extraDeclarers: [Int: [Int]] = [:]
    private var extraExporters: [Int: [Int]] = [:]
    /// The first `many(I.self)` declaration of each collection key.
    private var collectionDeclarations: [Int: Int] = [:]
    /// Per module, the ids it exposes to importers (strict mode).
    private var exported: [[Int]] = []
    /// Per key, the chosen keys that depend on it; built when a missing dependency is reported.
    private var dependents: [Int: [Int]]?
    /// Keys with conditional (non-multi-binding) providers, in the order first met, and how many
    /// each has.
    private var conditionalKeys: [Int] = []
    private var conditionalCounts: [Int: Int] = [:]

    init(modules: [ModuleMetadata], imports: [[Int]], context: ContextValues, mode: ValidationMode) {
        self.modules = modules
        self.imports = imports
        self.context = context
        self.mode = mode
        let providerCount = modules.indices.reduce(0) { $0 + modules[$1].providers.count }
        var table = KeyTable(capacity: providerCount + 1)
        containerID = table.id(Self.containerKey)
        self.table = table
        info.reserveCapacity(providerCount + 1)
        info.append(KeyInfo())
        entryModule.reserveCapacity(providerCount)
        entryIndex.reserveCapacity(providerCount)
        entryLifetime.reserveCapacity(providerCount)
        entryIsOverride.reserveCapacity(providerCount)
        dependencyStart.reserveCapacity(providerCount + 1)
    }

    mutating func compile() -> CompiledGraph {
        selectProviders()
        if mode != .disabled {
            let structural = issues.count
            checkConditionalAlternatives()
            checkExports()
            checkDependencies()
            if mode == .warn {
                checkedIssues = Array(issues[structural...])
                issues.removeSubrange(structural...)
            }
        }
        checkCycles()
        return buildGraph()
    }

    // MARK: Ids

    private mutating func id(_ key: TypeKey) -> Int {
        let id = table.id(key)
        if id == info.count { info.append(KeyInfo()) }
        return id
    }

    private func typeKey(_ id: Int) -> TypeKey { table.keys[id] }

    private func provider(_ entry: Int) -> Provider { modules[entryModule[entry]].providers[entryIndex[entry]] }

    private func dependencyRange(_ entry: Int) -> Range<Int> {
        dependencyStart[entry] ..< dependencyStart[entry + 1]
    }

    // MARK: Selection, duplicates and conditions

    private mutating func selectProviders() {
        let activation = ActivationContext(context: context)
        var order: [Int] = []
        for moduleIndex in modules.indices {
            let moduleProviders = modules[moduleIndex].providers
            moduleProviders.withUnsafeBufferPointer { moduleProviders in
                guard let base = moduleProviders.baseAddress else { return }
                for index in moduleProviders.indices {
                    select(base + index, module: moduleIndex, index: index, activation: activation, order: &order)
                }
            }
        }
        for keyID in order {
            chosenOrder.append(keyID)
            guard info[keyID].hasDuplicates, let candidates = duplicateCandidates[keyID] else {
                info[keyID].chosen = info[keyID].firstActive
                continue
            }
            if let override = candidates.last(where: { entryIsOverride[$0] }) {
                info[keyID].chosen = override
            } else {
                info[keyID].chosen = candidates[0]
                reportDuplicates(keyID, candidates)
            }
        }
        // A collection type with a provider of its own as well: the provider would be resolved
        // and the contributions silently never, so this is ambiguous like any duplicate. A test
        // override of the whole collection is meant to replace it.
        for keyID in collectionOrder where info[keyID].chosen >= 0 && !entryIsOverride[info[keyID].chosen] {
            reportProviderBesideContributions(keyID)
        }
    }

    /// Conditional alternatives of which none is active.
    private mutating func checkConditionalAlternatives() {
        for keyID in conditionalKeys
        where conditionalCounts[keyID, default: 0] >= 2 && info[keyID].firstActive < 0 && info[keyID].collection < 0 {
            let key = typeKey(keyID)
            let alternatives = inactive[keyID] ?? []
            issues.append(StartupIssue(
                kind: .conditionalProviders,
                message: "No conditional provider of \(key) is active: all \(alternatives.count) alternatives "
                    + "(\(alternatives.map { describe($0) }.joined(separator: ", "))) have false conditions.",
                modules: unique(alternatives.map { modules[entryModule[$0]].name }),
                types: [key],
                fix: "Make exactly one alternative's `when:` condition hold for this configuration, or add an unconditional fallback."))
        }
    }

    /// Records one provider as the next entry and sorts it: active, inactive, or a contribution.
    /// `provider` points into its module's array: its fields are read in place, since copying
    /// the provider would retain every reference it holds.
    private mutating func select(
        _ provider: UnsafePointer<Provider>, module moduleIndex: Int, index: Int, activation: ActivationContext,
        order: inout [Int]
    ) {
        let entry = entryModule.count
        let isMulti = provider.pointee.multi != nil
        let keyID = isMulti ? id(provider.pointee.lookupKey) : id(provider.pointee.key)
        entryModule.append(moduleIndex)
        entryIndex.append(index)
        entryLifetime.append(provider.pointee.lifetime)
        entryIsOverride.append(provider.pointee.isOverride)
        for dependency in provider.pointee.dependencies { dependencyIDs.append(id(dependency)) }
        dependencyStart.append(dependencyIDs.count)
        declare(keyID, in: moduleIndex)
        if provider.pointee.declaresCollection {
            // Not a contribution: the collection exists, and resolves empty without any.
            if collectionDeclarations[keyID] == nil { collectionDeclarations[keyID] = entry }
            _ = collection(of: keyID)
            return
        }
        let hasCondition = provider.pointee.condition != nil
        // Multi-binding contributions are not alternatives: any number may be active.
        if hasCondition, !isMulti {
            if conditionalCounts[keyID] == nil { conditionalKeys.append(keyID) }
            conditionalCounts[keyID, default: 0] += 1
        }
        if hasCondition, let condition = provider.pointee.condition, !condition.predicate(activation) {
            inactive[keyID, default: []].append(entry)
            // Every contribution may be inactive: the collection then resolves empty.
            if isMulti { _ = collection(of: keyID) }
            return
        }
        if isMulti {
            collections[collection(of: keyID)].append(entry)
            return
        }
        let first = info[keyID].firstActive
        if first < 0 {
            info[keyID].firstActive = entry
            order.append(keyID)
        } else {
            duplicateCandidates[keyID, default: [first]].append(entry)
            info[keyID].hasDuplicates = true
        }
    }

    private mutating func collection(of keyID: Int) -> Int {
        if info[keyID].collection >= 0 { return info[keyID].collection }
        info[keyID].collection = collections.count
        collections.append([])
        collectionOrder.append(keyID)
        return collections.count - 1
    }

    private mutating func declare(_ keyID: Int, in moduleIndex: Int) {
        let first = info[keyID].declaredBy
        if first < 0 {
            info[keyID].declaredBy = moduleIndex
        } else if first != moduleIndex, !(extraDeclarers[keyID]?.contains(moduleIndex) ?? false) {
            extraDeclarers[keyID, default: []].append(moduleIndex)
            info[keyID].hasExtraDeclarers = true
        }
    }

    private func isDeclared(_ keyID: Int, in moduleIndex: Int) -> Bool {
        info[keyID].declaredBy == moduleIndex
            || (info[keyID].hasExtraDeclarers && (extraDeclarers[keyID]?.contains(moduleIndex) ?? false))
    }

    private mutating func reportDuplicates(_ keyID: Int, _ candidates: [Int]) {
        let key = typeKey(keyID)
        let moduleNames = unique(candidates.map { modules[entryModule[$0]].name })
        // Within one module, naming it once is enough.
        let places = candidates.map { describe($0, withModule: moduleNames.count > 1) }.joined(separator: ", ")
        if candidates.allSatisfy({ provider($0).condition != nil }) {
            issues.append(StartupIssue(
                kind: .conditionalProviders,
                message: "Several conditional providers of \(key) are active at once: \(places).",
                modules: moduleNames, types: [key],
                fix: "Make the `when:` conditions of \(key)'s alternatives mutually exclusive."))
        } else {
            let inOneModule = moduleNames.count == 1
            issues.append(StartupIssue(
                kind: .duplicateProvider,
                message: "\(key) is provided \(inOneModule ? "twice in module \(moduleNames[0])" : "by several modules: \(moduleNames.joined(separator: " and "))") (\(places)).",
                modules: moduleNames, types: [key],
                fix: inOneModule
                    ? "Keep one provider of \(key.swiftName) in \(moduleNames[0]), or use `many(…)` for a multi-binding."
                    : "Keep one provider of \(key.swiftName) and export it from its module, or use `many(…)` for a multi-binding."))
        }
    }

    private mutating func reportProviderBesideContributions(_ keyID: Int) {
        let key = typeKey(keyID)
        let chosen = info[keyID].chosen
        let contributions = collections[info[keyID].collection]
            + (inactive[keyID] ?? []).filter { provider($0).multi != nil }
        let moduleNames = unique(([chosen] + contributions).map { modules[entryModule[$0]].name })
        issues.append(StartupIssue(
            kind: .duplicateProvider,
            message: "\(key) has a provider (\(describe(chosen))) and \(contributions.count) `many(…)` contribution(s) "
                + "(\(contributions.map { describe($0) }.joined(separator: ", "))); the contributions would never be resolved.",
            modules: moduleNames, types: [key],
            fix: "Provide \(key) either through `many(…)` contributions or through one provider, not both."))
    }

    // MARK: Exports and visibility

    /// Computes what each module exposes to importers (its valid type exports plus everything
    /// the modules it re-exports expose) and reports invalid exports. Modules come in start-up
    /// order, so every import is done before the modules importing it.
    private mutating func checkExports() {
        exported = Array(repeating: [], count: modules.count)
        var generation = 0
        for moduleIndex in modules.indices {
            let module = modules[moduleIndex]
            generation += 1
            let fromImports = generation
            // Re-exported modules first: a type export may name a type an imported module exports.
            for imported in imports[moduleIndex] {
                for keyID in exported[imported] { info[keyID].importMark = fromImports }
            }
            var result: [Int] = []
            func include(_ keyID: Int) {
                guard info[keyID].resultMark != fromImports else { return }
                info[keyID].resultMark = fromImports
                result.append(keyID)
            }
            for export in module.exports {
                switch export.kind {
                case .type(let key):
                    let keyID = id(key)
                    if isDeclared(keyID, in: moduleIndex) || info[keyID].importMark == fromImports {
                        include(keyID)
                    } else {
                        issues.append(StartupIssue(
                            kind: .invalidExport,
                            message: "Module \(module.name) exports \(key), which it neither provides nor re-exports from an import.",
                            modules: [module.name], types: [key],
                            fix: "Add a provider of \(key) to \(module.name), import a module that exports it, or remove the export."))
                    }
                case .module(let id, let typeName):
                    if let imported = imports[moduleIndex].first(where: { modules[$0].identity.type == id }) {
                        exported[imported].forEach(include)
                    } else {
                        let name = typeName.description
                        issues.append(StartupIssue(
                            kind: .invalidExport, message: "Module \(module.name) re-exports module \(name), which it does not import.",
                            modules: [module.name, name], subject: name, fix: "Add \(name) to \(module.name)'s imports, or remove the export."))
                    }
                }
            }
            exported[moduleIndex] = result
            for keyID in result {
                if info[keyID].exportedBy < 0 {
                    info[keyID].exportedBy = moduleIndex
                } else {
                    extraExporters[keyID, default: []].append(moduleIndex)
                    info[keyID].hasExtraExporters = true
                }
            }
        }
    }

    private func isExported(_ keyID: Int, by moduleIndex: Int) -> Bool {
        info[keyID].exportedBy == moduleIndex
            || (info[keyID].hasExtraExporters && (extraExporters[keyID]?.contains(moduleIndex) ?? false))
    }

    private func isVisible(_ keyID: Int, from moduleIndex: Int) -> Bool {
        if isDeclared(keyID, in: moduleIndex) || info[keyID].isGlobalExport { return true }
        return imports[moduleIndex].contains { isExported(keyID, by: $0) }
    }

    // MARK: Dependencies

    private mutating func checkDependencies() {
        for index in modules.indices where modules[index].isGlobal {
            for keyID in exported[index] { info[keyID].isGlobalExport = true }
        }
        for keyID in chosenOrder { check(info[keyID].chosen) }
        for collection in collections.indices {
            for entry in collections[collection] { check(entry) }
        }
    }

    private mutating func check(_ entry: Int) {
        let moduleIndex = entryModule[entry]
        let lifetime = entryLifetime[entry]
        for position in dependencyRange(entry) {
            let dependency = dependencyIDs[position]
            if dependency == containerID { continue }
            let collection = info[dependency].collection
            // A chosen provider stands for the whole collection, as in the compiled graph.
            if collection >= 0, info[dependency].chosen < 0 {
                if lifetime == .singleton,
                   let shortLived = collections[collection].first(where: {
                       entryLifetime[$0] != .singleton && entryLifetime[$0] != .object
                   }) {
                    reportCaptive(entry, dependency: dependency, dependencyLifetime: entryLifetime[shortLived])
                }
                continue
            }
            let target = info[dependency].chosen
            guard target >= 0 else {
                reportMissing(entry, dependency: dependency)
                continue
            }
            let targetLifetime = entryLifetime[target]
            if case .context = targetLifetime {
                // Context values are visible everywhere.
            } else if entryIsOverride[entry] {
                // Test overrides stand in for a provider wherever it lives.
            } else if !isVisible(dependency, from: moduleIndex) {
                let dependencyKey = typeKey(dependency)
                let moduleName = modules[moduleIndex].name
                let ownerIndex = entryModule[target]
                let owner = modules[ownerIndex].name
                let fix = isExported(dependency, by: ownerIndex)
                    ? "Import \(owner) into \(moduleName) (imports are not transitive)."
                    : "Export \(dependencyKey.swiftName) from \(owner) (`exports: [.type(\(dependencyKey.metatypeExpression))]`) and import \(owner) into \(moduleName)."
                issues.append(StartupIssue(
                    kind: .boundaryViolation,
                    message: "\(describe(entry, withModule: false)) in module \(moduleName) depends on \(dependencyKey), "
                        + "which module \(owner) provides but does not make visible to \(moduleName).",
                    modules: [moduleName, owner], types: [provider(entry).key, dependencyKey], fix: fix))
            }
            if lifetime == .singleton,
               targetLifetime == .scoped || targetLifetime == .transient || targetLifetime == .context(.request) {
                reportCaptive(entry, dependency: dependency, dependencyLifetime: targetLifetime)
            }
        }
    }

    private mutating func reportMissing(_ entry: Int, dependency: Int) {
        if dependents == nil {
            var map: [Int: [Int]] = [:]
            for keyID in chosenOrder {
                for position in dependencyRange(info[keyID].chosen) { map[dependencyIDs[position], default: []].append(keyID) }
            }
            dependents = map
        }
        let dependents = dependents ?? [:]
        let providerKey = provider(entry).key
        let dependencyKey = typeKey(dependency)
        var current = id(providerKey)
        var path = [dependencyKey.name, providerKey.name]
        var seen: Set<Int> = [dependency, current]
        while let next = dependents[current]?.first(where: { !seen.contains($0) }) {
            path.append(typeKey(next).name)
            seen.insert(next)
            current = next
        }
        let moduleName = modules[entryModule[entry]].name
        var message = "\(describe(entry, withModule: false)) in module \(moduleName) depends on \(dependencyKey), which no module provides. "
            + "Dependency path: \(path.reversed().joined(separator: " -> "))."
        var fix = dependencyKey.missingProviderFix(neededBy: moduleName)
        if let alternatives = inactive[dependency] {
            message += " Its \(alternatives.count) conditional provider(s) are all inactive: "
                + alternatives.map { describeInactive($0) }.joined(separator: "; ") + "."
            fix = "Make one `when:` condition of \(dependencyKey.swiftName) hold for this configuration, or add an unconditional provider."
        }
        issues.append(StartupIssue(
            kind: .missingDependency, message: message, modules: [moduleName],
            types: [providerKey, dependencyKey], fix: fix))
    }

    private mutating func reportCaptive(_ entry: Int, dependency: Int, dependencyLifetime: Lifetime) {
        let moduleName = modules[entryModule[entry]].name
        let providerKey = provider(entry).key
        let dependencyKey = typeKey(dependency)
        issues.append(StartupIssue(
            kind: .captiveDependency,
            message: "\(describe(entry, withModule: false)) in module \(moduleName) depends on \(dependencyLifetime) \(dependencyKey); "
                + "the singleton would capture one instance for the whole app.",
            modules: [moduleName], types: [providerKey, dependencyKey],
            fix: "Make \(providerKey) scoped, make \(dependencyKey) a singleton, or resolve \(dependencyKey) per request instead of injecting it."))
    }

    // MARK: Cycles

    private mutating func checkCycles() {
        // Each key's edges: its chosen provider's dependencies, or, for a collection, those of
        // every contribution, in order.
        let keyCount = info.count
        var edgeStart = [Int](repeating: 0, count: keyCount + 1)
        var edges: [Int] = []
        edges.reserveCapacity(dependencyIDs.count)
        for keyID in 0 ..< keyCount {
            edgeStart[keyID] = edges.count
            if info[keyID].chosen >= 0 {
                edges.append(contentsOf: dependencyIDs[dependencyRange(info[keyID].chosen)])
            } else if info[keyID].collection >= 0 {
                for entry in collections[info[keyID].collection] {
                    edges.append(contentsOf: dependencyIDs[dependencyRange(entry)])
                }
            }
        }
        edgeStart[keyCount] = edges.count

        let white: UInt8 = 0, gray: UInt8 = 1, black: UInt8 = 2
        var color = [UInt8](repeating: white, count: keyCount)
        var stack: [Int] = []
        var reported: Set<Set<Int>> = []
        var found: [[Int]] = []
        // Iterative DFS: graphs of 10,000 providers must not overflow the stack.
        var work: [(key: Int, next: Int)] = []
        for start in chosenOrder + collectionOrder where color[start] == white {
            work.append((start, edgeStart[start]))
            color[start] = gray
            stack.append(start)
            while var top = work.popLast() {
                if top.next < edgeStart[top.key + 1] {
                    let child = edges[top.next]
                    top.next += 1
                    work.append(top)
                    switch color[child] {
                    case gray:
                        if let begin = stack.firstIndex(of: child) {
                            let cycle = Array(stack[begin...])
                            if reported.insert(Set(cycle)).inserted { found.append(cycle + [child]) }
                        }
                    case black:
                        break
                    default:
                        if info[child].chosen >= 0 || info[child].collection >= 0 {
                            color[child] = gray
                            stack.append(child)
                            work.append((child, edgeStart[child]))
                        }
                    }
                } else {
                    color[top.key] = black
                    stack.removeLast()
                }
            }
        }
        for cycle in found {
            let involved = unique(cycle.compactMap { keyID in
                info[keyID].chosen >= 0 ? modules[entryModule[info[keyID].chosen]].name : nil
            })
            issues.append(StartupIssue(
                kind: .dependencyCycle,
                message: "Dependency cycle: \(cycle.map { typeKey($0).name }.joined(separator: " -> "))"
                    + (involved.isEmpty ? "." : " (in \(involved.count == 1 ? "module" : "modules") \(involved.joined(separator: ", ")))."),
                modules: involved, types: cycle.map { typeKey($0) },
                fix: "Break the cycle: extract the shared part into a new type both depend on, or inject a factory instead of the instance."))
        }
    }

    // MARK: Compilation

    /// The resolving container is injectable everywhere: factories may take `Container`.
    static let containerKey = TypeKey(Container.self)

    private mutating func buildGraph() -> CompiledGraph {
        var position = 0
        for keyID in chosenOrder {
            info[keyID].position = position
            position += 1
        }
        for keyID in collectionOrder where info[keyID].position < 0 {
            info[keyID].position = position
            position += 1
        }
        let containerPosition = info[containerID].position < 0 ? position : nil
        if let containerPosition { info[containerID].position = containerPosition }
        return makeGraph(slotCount: position + (containerPosition == nil ? 0 : 1), addsContainer: containerPosition != nil)
    }

    private func makeGraph(slotCount: Int, addsContainer: Bool) -> CompiledGraph {
        var slots: [Slot] = []
        slots.reserveCapacity(slotCount)
        var singletons = 0
        var scoped = 0
        func makeSlot(_ entry: Int) -> Slot {
            let dependencySlots = dependencyIDs[dependencyRange(entry)].map { info[$0].position }
            // Borrowed from the module's array: a copy would retain all of the provider's references.
            return modules[entryModule[entry]].providers.withUnsafeBufferPointer { providers in
                Slot(
                    provider: providers[entryIndex[entry]], dependencySlots: dependencySlots,
                    singletons: &singletons, scoped: &scoped)
            }
        }
        for keyID in chosenOrder {
            slots.append(makeSlot(info[keyID].chosen))
        }
        // Contribution slots go after the indexed ones; the collection slot points at them.
        var pendingCollections: [(TypeKey, Provider.MultiBinding, [Int])] = []
        for keyID in collectionOrder where info[keyID].chosen < 0 {
            let contributions = collections[info[keyID].collection]
            guard let representative = contributions.first ?? inactive[keyID]?.first(where: { provider($0).multi != nil })
                    ?? collectionDeclarations[keyID],
                  let multi = provider(representative).multi
            else { continue }
            pendingCollections.append((typeKey(keyID), multi, contributions))
            slots.append(Slot(key: typeKey(keyID), lifetime: .transient, kind: .context(.app), dependencySlots: []))
        }
        if addsContainer {
            slots.append(Slot(key: Self.containerKey, lifetime: .transient, kind: .container, dependencySlots: []))
        }
        for (offset, (key, multi, contributions)) in pendingCollections.enumerated() {
            var contributionSlots: [Int] = []
            for entry in contributions {
                contributionSlots.append(slots.count)
                slots.append(makeSlot(entry))
            }
            let collectionPosition = chosenOrder.count + offset
            slots[collectionPosition] = Slot(
                key: key, lifetime: .transient, kind: .factory(multi.makeCollector(contributionSlots), cacheIndex: nil),
                dependencySlots: [], collectedSlots: contributionSlots)
        }
        var pairs: [(ObjectIdentifier, Int)] = []
        pairs.reserveCapacity(slotCount)
        for keyID in info.indices where info[keyID].position >= 0 {
            pairs.append((typeKey(keyID).id, info[keyID].position))
        }
        var inactiveOnly: [ObjectIdentifier: String] = [:]
        for (keyID, entries) in inactive where info[keyID].position < 0 {
            let count = entries.count
            inactiveOnly[typeKey(keyID).id] = "its \(count == 1 ? "only provider" : "\(count) providers"), "
                + entries.map { describeInactive($0) }.joined(separator: "; ") + ", \(count == 1 ? "is" : "are") switched off"
        }
        return CompiledGraph(
            slots: slots, lookup: TypeIndex(pairs), singletonCount: singletons, scopedCount: scoped, inactive: inactiveOnly)
    }

    // MARK: Helpers

    private func describe(_ entry: Int, withModule: Bool = true) -> String {
        let provider = provider(entry)
        let implementation = provider.implementation == provider.key.name ? "" : " (\(provider.implementation))"
        let place = withModule ? " in \(modules[entryModule[entry]].name)" : ""
        return "\(provider.lifetime) \(provider.key)\(implementation)\(place)"
    }

    /// An inactive provider with its condition: "singleton Other in M (condition `flag` is false)".
    private func describeInactive(_ entry: Int) -> String {
        "\(describe(entry)) (condition `\(provider(entry).condition?.description ?? "when:")` is false)"
    }

    private func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.filter { seen.insert($0).inserted }
    }
}
