import Waku

// The large app of `di.build.<modules>x10`: `moduleCount` modules in a binary tree, 10 providers
// each, every provider its own type.
//
// Module i imports modules 2i+1 and 2i+2 (when they exist); module 0 is the root. In each module,
// slot 0 depends on the type each imported child exports, slot k on slot k-1, so every provider
// has a dependency to check, and every module boundary is crossed by an import + export:
//
//   slots 0...6  singleton   (slot 6 is the module's export)
//   slots 7, 8   scoped
//   slot 9       transient
//
// Module and provider types must be distinct types (modules are identified by type, providers
// by the provided type), so they are generic types over decimal digits: module 347 is
// `TreeModule<D0, D3, D4, D7>`, its slot 2 is `TreeNode<D0, D3, D4, D7, D2>`. Up to 10,000
// modules.
// The module types and the providers are made once, outside the timing (``BuildTable``), so what
// `create()` costs is the framework's work on them, as in an app. An app's types are concrete: its
// provider helpers are specialized for them and find their generic metadata through a cache at
// each call site. These synthetic types would instead be found at run time in the Swift runtime's
// generic-metadata cache, which hashes a type by its declaration, so all 20,000 `TreeNode<…>` and
// the `Factory<TreeNode<…>>` built for them fall into one chain of colliding keys: building the
// providers inside the timing made 2,000 modules cost 2.8x as much as 1,000, all of it in that
// cache (measured with uprobes on its lookups; the framework itself makes a fixed handful of them
// per `create()`, none per provider).

protocol Digit: Sendable {}
enum D0: Digit {}
enum D1: Digit {}
enum D2: Digit {}
enum D3: Digit {}
enum D4: Digit {}
enum D5: Digit {}
enum D6: Digit {}
enum D7: Digit {}
enum D8: Digit {}
enum D9: Digit {}

let decimalDigits: [any Digit.Type] = [D0.self, D1.self, D2.self, D3.self, D4.self, D5.self, D6.self, D7.self, D8.self, D9.self]

/// A provided type of the build graph; never resolved, only validated and compiled.
protocol TreeNodeType: Sendable {
    init()
}

final class TreeNode<Thousands: Digit, Hundreds: Digit, Tens: Digit, Units: Digit, Slot: Digit>: TreeNodeType {
    init() {}
}

/// The provided types of every module of one tree: `nodes[module][slot]`.
final class BuildTable: Sendable {
    let moduleCount: Int
    let nodes: [[any TreeNodeType.Type]]
    let modules: [any TreeModuleType.Type]
    /// Each module's providers, as its `providers` returns them.
    let providers: [[Provider]]

    init(moduleCount: Int) {
        precondition((1 ... BuildGraph.maxModules).contains(moduleCount), "the build graph has 1...10000 modules")
        self.moduleCount = moduleCount
        nodes = (0 ..< moduleCount).map { index in
            let (k, h, t, u) = BuildGraph.digits(of: index)
            return decimalDigits.prefix(BuildGraph.providersPerModule).map { BuildGraph.nodeType(k, h, t, u, slot: $0) }
        }
        modules = (0 ..< moduleCount).map { index in
            let (k, h, t, u) = BuildGraph.digits(of: index)
            return BuildGraph.moduleType(k, h, t, u)
        }
        providers = (0 ..< moduleCount).map { [nodes] index in
            BuildGraph.providers(ofModule: index, nodes: nodes)
        }
    }
}

enum BuildGraph {
    static let providersPerModule = 10
    static let exportedSlot = 6
    static let maxModules = 10_000

    /// The root module (module 0) of the tree.
    static func root(_ table: BuildTable) -> any Module {
        module(0, table)
    }

    static func module(_ index: Int, _ table: BuildTable) -> any Module {
        table.modules[index].init(index: index, table: table)
    }

    /// Slot 0 depends on the export of each imported child, slot k on slot k-1.
    static func providers(ofModule index: Int, nodes: [[any TreeNodeType.Type]]) -> [Provider] {
        let own = nodes[index]
        var providers: [Provider] = []
        providers.reserveCapacity(providersPerModule)
        let childExports = children(of: index, count: nodes.count).map { nodes[$0][exportedSlot] }
        providers.append(provider(own[0], dependsOn: childExports, lifetime(ofSlot: 0)))
        for slot in 1 ..< providersPerModule {
            providers.append(provider(own[slot], dependsOn: [own[slot - 1]], lifetime(ofSlot: slot)))
        }
        return providers
    }

    static func children(of index: Int, count: Int) -> [Int] {
        [2 * index + 1, 2 * index + 2].filter { $0 < count }
    }

    static func digits(of index: Int) -> (any Digit.Type, any Digit.Type, any Digit.Type, any Digit.Type) {
        (decimalDigits[index / 1000 % 10], decimalDigits[index / 100 % 10], decimalDigits[index / 10 % 10],
         decimalDigits[index % 10])
    }

    static func moduleType<K: Digit, H: Digit, T: Digit, U: Digit>(
        _ k: K.Type, _ h: H.Type, _ t: T.Type, _ u: U.Type
    ) -> any TreeModuleType.Type {
        TreeModule<K, H, T, U>.self
    }

    static func nodeType<K: Digit, H: Digit, T: Digit, U: Digit>(
        _ k: K.Type, _ h: H.Type, _ t: T.Type, _ u: U.Type, slot: any Digit.Type
    ) -> any TreeNodeType.Type {
        func withSlot<S: Digit>(_ s: S.Type) -> any TreeNodeType.Type { TreeNode<K, H, T, U, S>.self }
        return withSlot(slot)
    }

    /// A provider of `node` that depends on each of `dependencies`.
    static func provider(_ node: any TreeNodeType.Type, dependsOn dependencies: [any TreeNodeType.Type], _ lifetime: Lifetime) -> Provider {
        switch dependencies.count {
        case 0: return leaf(node, lifetime)
        case 1: return linked(node, dependencies[0], lifetime)
        default: return joined(node, dependencies[0], dependencies[1], lifetime)
        }
    }

    private static func leaf<N: TreeNodeType>(_ node: N.Type, _ lifetime: Lifetime) -> Provider {
        Waku.provider(Factory<N> { N() }, lifetime: lifetime)
    }

    private static func linked<N: TreeNodeType, D: TreeNodeType>(_ node: N.Type, _ dependency: D.Type, _ lifetime: Lifetime) -> Provider {
        Waku.provider(Factory<N> { (_: D) in N() }, lifetime: lifetime)
    }

    private static func joined<N: TreeNodeType, D1: TreeNodeType, D2: TreeNodeType>(
        _ node: N.Type, _ first: D1.Type, _ second: D2.Type, _ lifetime: Lifetime
    ) -> Provider {
        Waku.provider(Factory<N> { (_: D1, _: D2) in N() }, lifetime: lifetime)
    }

    static func lifetime(ofSlot slot: Int) -> Lifetime {
        switch slot {
        case ...exportedSlot: .singleton
        case 7, 8: .scoped
        default: .transient
        }
    }
}

/// A module type of the build graph, made from its metatype (``BuildTable/modules``).
protocol TreeModuleType: Module {
    init(index: Int, table: BuildTable)
}

/// Module `index` of the tree; `Thousands`, `Hundreds`, `Tens`, `Units` are its decimal digits.
struct TreeModule<Thousands: Digit, Hundreds: Digit, Tens: Digit, Units: Digit>: TreeModuleType {
    let index: Int
    let table: BuildTable

    private var children: [Int] { BuildGraph.children(of: index, count: table.moduleCount) }

    var imports: [any Module] { children.map { BuildGraph.module($0, table) } }

    var providers: [Provider] { table.providers[index] }

    var exports: [Export] { [.type(table.nodes[index][BuildGraph.exportedSlot])] }
}
