/// One entry of a module's `providers`: how to build a value of one type, and for how long to keep it.
///
/// Create providers with the helpers named after waku's: ``singleton(_:when:)-93hn5``,
/// ``scoped(_:when:)-2iqaq``, ``transient(_:when:)-7w9ts``, ``object(_:as:when:)``,
/// ``contextual(_:scope:)`` and ``many(_:_:lifetime:when:)-47kjn``.
public struct Provider: Sendable, CustomStringConvertible {
    /// The type this provider is resolved by.
    public let key: TypeKey
    /// How long the built value lives, and so which scope caches it.
    public let lifetime: Lifetime
    /// The types the factory takes, in parameter order.
    public let dependencies: [TypeKey]
    /// The concrete implementation's name, for diagnostics.
    public var implementation: String { implementationName.description }
    let implementationName: TypeName
    /// When present, the provider only exists if the condition holds at start-up.
    public let condition: Condition?

    let factory: AnyFactory?
    let instance: AnyBox?
    let multi: MultiBinding?
    /// Set by test overrides: replaces any other provider of the same key instead of clashing.
    package var isOverride = false
    /// A `many(I.self)` declaration: makes the collection exist without contributing to it.
    let declaresCollection: Bool

    /// For `many`: the collection this provider contributes to, and how to assemble it.
    struct MultiBinding: Sendable {
        let collection: TypeKey
        let makeCollector: @Sendable (_ contributionSlots: [Int]) -> AnyFactory
    }

    init(
        key: TypeKey, lifetime: Lifetime, dependencies: [TypeKey], implementation: TypeName,
        condition: Condition?, factory: AnyFactory?, instance: AnyBox? = nil, multi: MultiBinding? = nil,
        declaresCollection: Bool = false
    ) {
        self.declaresCollection = declaresCollection
        self.key = key
        self.lifetime = lifetime
        self.dependencies = dependencies
        self.implementationName = implementation
        self.condition = condition
        self.factory = factory
        self.instance = instance
        self.multi = multi
    }

    /// Whether the provider's factory is synchronous, so its values (and transient values that
    /// depend on them) are built without an async call once the cached values they read exist.
    /// Providers without a factory (instances, context values) are never built at all.
    package var isSynchronous: Bool { factory?.isSynchronous ?? false }

    /// Whether this provider is a contribution to a multi-binding.
    public var isMultiBinding: Bool { multi != nil }

    /// The key the provider is looked up by: the collection's for multi-bindings.
    public var lookupKey: TypeKey { multi?.collection ?? key }

    /// Returns a copy that is only active when `condition` holds.
    public func when(_ condition: Condition) -> Provider {
        Provider(
            key: key, lifetime: lifetime, dependencies: dependencies, implementation: implementationName,
            condition: condition, factory: factory, instance: instance, multi: multi,
            declaresCollection: declaresCollection)
    }

    /// `<lifetime> <type>`, followed by `-> <implementation>` when the implementation is another
    /// type.
    public var description: String {
        if declaresCollection { return "many \(lookupKey.name) (declaration)" }
        let implementationPart = implementation == key.name ? "" : " -> \(implementation)"
        return "\(lifetime) \(lookupKey.name)\(implementationPart)"
    }
}
