// How diagnostics write a type so that the code they suggest compiles: `any IRepository`, not the
// runtime's `IRepository`; `[any Plugin]`; `(any IRepository).self`.

/// Arrays, so a diagnostic can spell their element (the runtime drops its `any`).
package protocol ArraySpelling { static var elementType: any Any.Type { get } }
extension Array: ArraySpelling { package static var elementType: any Any.Type { Element.self } }

/// Optionals, so a diagnostic can spell what they wrap.
package protocol OptionalSpelling { static var wrappedType: any Any.Type { get } }
extension Optional: OptionalSpelling { package static var wrappedType: any Any.Type { Wrapped.self } }

/// The type as written in Swift source: `any IRepository`, `any P<Guest>`, `[any Plugin]`,
/// `(any IRepository)?`, `UserService`.
package func swiftSpelling(_ type: any Any.Type) -> String {
    if let array = type as? any ArraySpelling.Type { return "[\(swiftSpelling(array.elementType))]" }
    if let optional = type as? any OptionalSpelling.Type {
        let wrapped = swiftSpelling(optional.wrappedType)
        return wrapped.hasPrefix("any ") ? "(\(wrapped))?" : "\(wrapped)?"
    }
    let name = typeName(type)
    guard !name.hasPrefix("any "), name != "Any", name != "AnyObject" else { return name }
    switch metadataKind(type) {
    case .existential, .existentialMetatype: return "any \(name)"
    case .other: return name
    }
}

/// A metatype expression for the type: `UserService.self`, `(any IRepository).self`.
package func metatypeSpelling(_ type: any Any.Type) -> String {
    let spelling = swiftSpelling(type)
    return spelling.hasPrefix("any ") ? "(\(spelling)).self" : "\(spelling).self"
}

/// A provider that would provide the type, as code that compiles once the placeholder
/// `Implementation` is replaced: `scoped(UserService.init)`,
/// `scoped((any IRepository).self, Implementation.init)`, `many((any Plugin).self)`.
package func providerSpelling(_ type: any Any.Type) -> String {
    if let array = type as? any ArraySpelling.Type {
        return "many(\(metatypeSpelling(array.elementType)))"
    }
    let spelling = swiftSpelling(type)
    if spelling.hasPrefix("any ") || type is any OptionalSpelling.Type {
        return "scoped(\(metatypeSpelling(type)), Implementation.init)"
    }
    return "scoped(\(spelling).init)"
}

/// The fix for a type no module provides: how to provide it, or, for a type a framework module
/// provides, which module to import.
package func missingProviderFix(_ type: any Any.Type, neededBy module: String?) -> String {
    if let hint = frameworkHint(type) { return hint }
    let whereTo = module.map { "to a module that \($0) imports, and export it" }
        ?? "to a module, and make it visible to the module that needs it"
    if let array = type as? any ArraySpelling.Type {
        let element = metatypeSpelling(array.elementType)
        return "Declare the collection with `many(\(element))` (it then resolves to [] without contributions), "
            + "or contribute to it with `many(\(element), Implementation.init)`, in a module."
    }
    return "Add a provider of \(swiftSpelling(type)) (for example `\(providerSpelling(type))`) \(whereTo)."
}

/// Types that a package module provides, by their qualified runtime names, and what to import
/// to get them. The names are checked against the modules' exports by the messaging tests.
private let frameworkProvided: [String: String] = {
    let messaging = "Import `MessagingModule.register(MessagingConfig())` (from WakuMessaging) in the root module"
    var table: [String: String] = [:]
    for name in [
        "IMessageBus", "ISender", "IPublisher", "MessageBus", "MessageContext", "EventDispatcher", "MessageRegistry",
        "MessagingRuntime",
    ] {
        table["WakuMessaging.\(name)"] = messaging
    }
    return table
}()

private func frameworkHint(_ type: any Any.Type) -> String? {
    guard let hint = frameworkProvided[String(reflecting: type)] else { return nil }
    return "\(hint): it provides \(swiftSpelling(type)) to every module."
}

private enum MetadataKind { case existential, existentialMetatype, other }

/// Whether the type is an existential (`any P`), read from its runtime metadata: the first word
/// of a type's metadata is its kind (Swift ABI). Class metadata starts with a pointer or 0,
/// never one of these values.
private func metadataKind(_ type: any Any.Type) -> MetadataKind {
    let kind = unsafeBitCast(type, to: UnsafeRawPointer.self).load(as: UInt.self)
    switch kind {
    case 0x303, 0x307: return .existential  // existential, extended (constrained) existential
    case 0x306: return .existentialMetatype
    default: return .other
    }
}
