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

    /// The type this name was made from; `nil` for a literal name.
    package var type: (any Any.Type)? {
        if case .type(let type) = source { return type }
        return nil
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
    // Drop module qualifiers ("MyApp.UserService" -> "UserService") for readable errors, and
    // write constrained existentials as in source ("any P<Guest>", not "any P<U == Guest>").
    let name = String(reflecting: type).removingLocalContexts().replacingModulePrefixes().replacingSameTypeArguments()
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

extension String {
    /// Turns the runtime's `any P<U == Guest, V == Int>` into the source spelling
    /// `any P<Guest, Int>`: each top-level `Name == Type` argument becomes `Type`.
    fileprivate func replacingSameTypeArguments() -> String {
        guard contains(" == ") else { return self }
        var result = ""
        var depth = 0
        // Whether the text since the last `<` or `,` at the current depth may still be dropped.
        var argumentStart: String.Index?
        var index = startIndex
        while index < endIndex {
            let character = self[index]
            switch character {
            case "<":
                depth += 1
                result.append(character)
                argumentStart = result.endIndex
            case ">":
                depth -= 1
                result.append(character)
                argumentStart = nil
            case ",":
                result.append(character)
                argumentStart = result.endIndex
            default:
                if self[index...].hasPrefix(" == "), let start = argumentStart {
                    // Drop "Name" before " == ", keep what follows.
                    result.removeSubrange(start...)
                    if result.last == "," { result.append(" ") }
                    index = self.index(index, offsetBy: 4)
                    argumentStart = nil
                    continue
                }
                result.append(character)
            }
            index = self.index(after: index)
        }
        return result
    }
}

extension String {
    /// Drops the runtime's `(unknown context at $55ab…)` qualifiers of types declared inside a
    /// function, which say nothing to a reader.
    fileprivate func removingLocalContexts() -> String {
        let marker = "(unknown context at $"
        guard contains(marker) else { return self }
        var result = ""
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(marker), let close = self[index...].firstIndex(of: ")") {
                index = self.index(after: close)
                if index < endIndex, self[index] == "." { index = self.index(after: index) }
                continue
            }
            result.append(self[index])
            index = self.index(after: index)
        }
        return result
    }
}
