/// Identifies a provided type: the key of every provider and dependency.
///
/// Hashing and equality use only the metatype's identity. The readable ``name`` is computed when
/// something asks for it (an error, a description), never while an app is built: reflecting type
/// names is the most expensive thing start-up would otherwise do.
public struct TypeKey: Hashable, Sendable, CustomStringConvertible {
    /// The metatype's identity; the only thing equality and hashing compare.
    public let id: ObjectIdentifier
    let source: TypeName

    /// The key of `type`; `TypeKey((any Cache).self)` for a protocol.
    public init<T>(_ type: T.Type) {
        id = ObjectIdentifier(type)
        source = TypeName(type)
    }

    package init(id: ObjectIdentifier, name: String) {
        self.id = id
        source = TypeName(literal: name)
    }

    /// The type's readable, module-free name, e.g. `UserService` or `Array<Plugin>`.
    public var name: String { source.description }

    /// Whether both keys identify the same type.
    public static func == (lhs: TypeKey, rhs: TypeKey) -> Bool { lhs.id == rhs.id }
    /// Hashes the metatype's identity only.
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    /// The type's readable ``name``.
    public var description: String { name }
}

extension TypeKey {
    /// The type as written in Swift source (`any IRepository`, `[any Plugin]`), for diagnostics.
    package var swiftName: String { source.type.map(swiftSpelling) ?? name }
    /// A metatype expression for the type (`(any IRepository).self`), for diagnostics.
    package var metatypeExpression: String { source.type.map(metatypeSpelling) ?? "\(name).self" }
    /// A provider of the type, as code (`scoped(UserService.init)`), for diagnostics.
    package var providerExpression: String { source.type.map(providerSpelling) ?? "scoped(\(name).init)" }

    /// How to provide this type when no module does (see ``missingProviderFix(_:neededBy:)``).
    package func missingProviderFix(neededBy module: String?) -> String {
        if let type = source.type { return Waku.missingProviderFix(type, neededBy: module) }
        let whereTo = module.map { "to a module that \($0) imports, and export it" } ?? "to a module"
        return "Add a provider of \(name) (for example `scoped(\(name).init)`) \(whereTo)."
    }
}
