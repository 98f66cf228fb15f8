/// How the framework tells modules apart.
///
/// A static module is its type. A dynamic module is its static parent's type plus the
/// configuration it was registered with.
public struct ModuleIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The module type; for a dynamic module, its static parent.
    public let type: ObjectIdentifier
    /// The module type's readable name (computed when asked for; see ``TypeKey``).
    public var name: String { typeName.description }
    let typeName: TypeName
    /// Whether this is a dynamic module (configured at import time).
    public let isDynamic: Bool

    /// The identity of a static module type.
    public init(_ type: any Module.Type) {
        self.type = ObjectIdentifier(type)
        typeName = TypeName(type)
        isDynamic = false
    }

    init(dynamicParent type: any Module.Type) {
        self.type = ObjectIdentifier(type)
        typeName = TypeName(type)
        isDynamic = true
    }

    /// Whether both name the same module type and are both static or both dynamic.
    public static func == (lhs: ModuleIdentity, rhs: ModuleIdentity) -> Bool {
        lhs.type == rhs.type && lhs.isDynamic == rhs.isDynamic
    }

    /// Hashes the module type and whether it is dynamic, as equality compares them.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(isDynamic)
    }

    /// The module's name, followed by `(dynamic)` for a dynamic module.
    public var description: String { isDynamic ? "\(name) (dynamic)" : name }
}
