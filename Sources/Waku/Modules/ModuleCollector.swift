/// Collects modules from the root in DFS post-order along each import list: dependencies first,
/// the root last, each module once however many paths import it.
struct ModuleCollector {
    private enum Mark { case visiting, done(Int) }

    private(set) var modules: [ModuleMetadata] = []
    /// Direct imports of each collected module, as indices into `modules`.
    private(set) var importIndices: [[Int]] = []
    private(set) var issues: [StartupIssue] = []

    private var marks: [ObjectIdentifier: Mark] = [:]
    private var firstSeen: [ObjectIdentifier: any Module] = [:]
    private var stack: [ModuleIdentity] = []

    static func collect(root: any Module) -> ModuleCollector {
        var collector = ModuleCollector()
        _ = collector.visit(root, importedBy: nil)
        if !collector.modules.isEmpty {
            // The root module is always global.
            collector.modules[collector.modules.count - 1].isGlobal = true
        }
        return collector
    }

    /// Returns the index of the collected module, or `nil` when it could not be collected.
    private mutating func visit(_ module: any Module, importedBy importer: ModuleIdentity?) -> Int? {
        let identity = module.moduleIdentity
        if let previous = firstSeen[identity.type] {
            checkSameModule(previous, module, importer: importer)
        }
        switch marks[identity.type] {
        case .visiting:
            let start = stack.firstIndex { $0.type == identity.type } ?? 0
            let cycle = stack[start...].map(\.description) + [identity.description]
            issues.append(StartupIssue(
                kind: .circularImport,
                message: "Circular import: \(cycle.joined(separator: " -> ")).",
                modules: Array(Set(cycle)).sorted(),
                fix: "Break the cycle: move the shared providers into a module that both import, or export them from a lower-level module."))
            return nil
        case .done(let index):
            return index
        case nil:
            break
        }

        marks[identity.type] = .visiting
        firstSeen[identity.type] = module
        stack.append(identity)
        var metadata = ModuleMetadata(module)
        for case let configure as any OnModuleConfigure in metadata.extensions {
            do {
                try configure.onModuleConfigure(&metadata)
            } catch {
                issues.append(StartupIssue(
                    kind: .extensionFailure,
                    message: "\(type(of: configure)).onModuleConfigure failed in module \(metadata.name): \(error)",
                    modules: [metadata.name],
                    fix: "Fix the module's configuration or the extension."))
            }
        }
        var imports: [Int] = []
        for imported in metadata.imports {
            if let index = visit(imported, importedBy: identity), !imports.contains(index) {
                imports.append(index)
            }
        }
        stack.removeLast()
        modules.append(metadata)
        importIndices.append(imports)
        let index = modules.count - 1
        marks[identity.type] = .done(index)
        return index
    }

    /// Two imports resolved to the same module type: they must be the same module.
    private mutating func checkSameModule(_ previous: any Module, _ current: any Module, importer: ModuleIdentity?) {
        let previousDynamic = previous as? DynamicModule
        let currentDynamic = current as? DynamicModule
        let name = current.moduleIdentity.name
        let importerName = importer?.description ?? "the application"
        switch (previousDynamic, currentDynamic) {
        case (nil, nil):
            return
        case let (first?, second?):
            if !first.hasSameConfiguration(as: second) {
                issues.append(StartupIssue(
                    kind: .dynamicModuleConflict,
                    message: "Dynamic module \(name) is imported twice with different configurations "
                        + "(\(first.configuration) and \(second.configuration), the second by \(importerName)).",
                    modules: [name, importerName],
                    fix: "Register \(name) once, in the root or a shared module, and import that module where it is needed."))
            }
        default:
            issues.append(StartupIssue(
                kind: .dynamicModuleConflict,
                message: "Dynamic module \(name) is imported together with its static parent \(name) (imported by \(importerName)).",
                modules: [name, importerName],
                fix: "Import either \(name)() or \(name).register(…), not both."))
        }
    }
}
