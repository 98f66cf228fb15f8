/// One entry of a module's `exports`: a provided type, or an imported module re-exported whole.
public struct Export: Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case type(TypeKey)
        case module(ObjectIdentifier, name: TypeName)
    }

    let kind: Kind

    /// Exports a type the module provides, or re-exports one that an imported module exports.
    public static func type<T>(_ type: T.Type) -> Export { Export(kind: .type(TypeKey(type))) }

    /// Re-exports an imported module: importers of this module see that module's exports too.
    /// For a dynamic module, pass its static parent type.
    public static func module(_ module: any Module.Type) -> Export {
        Export(kind: .module(ObjectIdentifier(module), name: TypeName(module)))
    }

    /// Re-exports an imported module instance (static or dynamic).
    public static func module(_ module: any Module) -> Export {
        let identity = module.moduleIdentity
        return Export(kind: .module(identity.type, name: identity.typeName))
    }

    /// The exported type's name, or `module <name>` for a re-exported module.
    public var description: String {
        switch kind {
        case .type(let key): key.name
        case .module(_, let name): "module \(name)"
        }
    }
}
