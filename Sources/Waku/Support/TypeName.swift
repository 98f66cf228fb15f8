/// A type's readable name, produced on first use.
///
/// Keys, providers, slots and module identities hold one of these instead of a `String`, so
/// building an app never reflects a type name; errors and descriptions pay for it instead.
@usableFromInline
package struct TypeName: Sendable, CustomStringConvertible {
    private enum Source: Sendable {
        case type(any Any.Type)
        case literal(String)
    }

    private let source: Source

    @usableFromInline package init(_ type: any Any.Type) { source = .type(type) }
    package init(literal: String) { source = .literal(literal) }

    @usableFromInline package var description: String {
        switch source {
        case .type(let type): typeName(type)
        case .literal(let name): name
        }
    }
}

/// Names already computed: reflecting a name costs microseconds, and errors or descriptions ask
/// for the same few names repeatedly.
private let typeNameCache = Locked<[ObjectIdentifier: String]>([:])

/// A readable, module-free type name, e.g. `UserService`, `ILogger` (the runtime drops `any`)
/// or `Array<Plugin>`.
func typeName(_ type: any Any.Type) -> String {
    let id = ObjectIdentifier(type)
    if let cached = typeNameCache.withLock({ $0[id] }) { return cached }
    // Drop module qualifiers ("MyApp.UserService" -> "UserService") for readable errors.
    let name = String(reflecting: type).replacingModulePrefixes()
    typeNameCache.withLock { $0[id] = name }
    return name
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
