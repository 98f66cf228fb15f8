/// Identifies a provided type: the key of every provider and dependency.
///
/// Hashing uses only the metatype's identity; the name is kept for error messages.
public struct TypeKey: Hashable, Sendable, CustomStringConvertible {
    public let id: ObjectIdentifier
    public let name: String

    public init<T>(_ type: T.Type) {
        id = ObjectIdentifier(type)
        name = typeName(type)
    }

    package init(id: ObjectIdentifier, name: String) {
        self.id = id
        self.name = name
    }

    public static func == (lhs: TypeKey, rhs: TypeKey) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    public var description: String { name }
}

/// A readable, module-free type name, e.g. `UserService`, `ILogger` (the runtime drops `any`)
/// or `Array<Plugin>`.
func typeName(_ type: Any.Type) -> String {
    // Drop module qualifiers ("MyApp.UserService" -> "UserService") for readable errors.
    String(reflecting: type).replacingModulePrefixes()
}

extension String {
    /// Removes `Module.` qualifiers from each identifier in a reflected type name.
    fileprivate func replacingModulePrefixes() -> String {
        var result = ""
        var token = ""
        func flush(_ terminator: Character?) {
            if let dot = token.lastIndex(of: ".") {
                result += token[token.index(after: dot)...]
            } else {
                result += token
            }
            token = ""
            if let terminator { result.append(terminator) }
        }
        for ch in self {
            if ch.isLetter || ch.isNumber || ch == "_" || ch == "." {
                token.append(ch)
            } else {
                flush(ch)
            }
        }
        flush(nil)
        return result
    }
}
