/// A module configured with values at import time: its parent module's providers, imports,
/// exports and extensions, plus the ones given here.
///
/// A module type offers a static `register(…)` that returns one, adding providers built from
/// the value:
///
/// ```swift
/// struct ConfigModule: Module {
///     var providers: [Provider] { [singleton(ConfigLoader.init)] }
///     var exports: [Export] { [.type(ConfigLoader.self)] }
///
///     static func register(env: Environment) -> DynamicModule {
///         DynamicModule(ConfigModule(), configuration: env, providers: [object(AppConfig(env: env))],
///                       exports: [.type(AppConfig.self)])
///     }
/// }
/// ```
///
/// `ConfigModule.register(env:)` provides both `ConfigLoader` (from the parent) and `AppConfig`.
/// The parent's ``OnModuleConfigure`` hooks run on the combined declarations, so what they add is
/// part of the dynamic module too. A dynamic provider of a type the parent also provides
/// replaces the parent's (`many(…)` contributions add up instead), so the static module can
/// carry defaults that each configuration overrides.
///
/// The same dynamic module imported along several paths is one module when its configuration is
/// equal. Two differently configured instances, or a dynamic module next to its static parent,
/// are start-up errors.
public struct DynamicModule: Module {
    /// The static parent's type, which identifies the module.
    public let parent: any Module.Type
    /// The providers given here; the parent's come on top (see ``ModuleMetadata``).
    public let providers: [Provider]
    public let imports: [any Module]
    public let exports: [Export]
    public let extensions: [any ModuleExtension]
    public let isGlobal: Bool
    /// The configuration the module was registered with; compared to detect conflicting imports.
    public let configuration: any Hashable & Sendable
    /// The parent module whose declarations this one inherits; `nil` for the type-only form.
    let inherited: (any Module)?

    /// A dynamic module that inherits everything `parent` declares (providers, imports, exports
    /// and extensions) and adds the given ones.
    ///
    /// - Parameters:
    ///   - parent: the static module, usually `Self()` inside its `register(…)`. Its type
    ///     identifies the dynamic module.
    ///   - configuration: the value this module was configured with; equal configurations are
    ///     one module, different ones a start-up error.
    ///   - providers: providers added to the parent's.
    ///   - imports: imports added to the parent's.
    ///   - exports: exports added to the parent's.
    ///   - extensions: extensions added to the parent's.
    ///   - isGlobal: whether this module's exports are visible everywhere; the parent's
    ///     `isGlobal` is not inherited, as in waku.
    public init(
        _ parent: some Module,
        configuration: any Hashable & Sendable,
        providers: [Provider] = [],
        imports: [any Module] = [],
        exports: [Export] = [],
        extensions: [any ModuleExtension] = [],
        isGlobal: Bool = false
    ) {
        // A dynamic parent stands for its own parent plus its own additions.
        if let dynamic = parent as? DynamicModule {
            self.parent = dynamic.parent
            inherited = dynamic
        } else {
            self.parent = type(of: parent)
            inherited = parent
        }
        self.configuration = configuration
        self.providers = providers
        self.imports = imports
        self.exports = exports
        self.extensions = extensions
        self.isGlobal = isGlobal
    }

    /// A dynamic module identified by `parent` that inherits nothing from it.
    @available(*, deprecated, message: "Pass the parent module itself, `DynamicModule(Parent(), configuration: …)`, so that the dynamic module inherits its providers, imports, exports and extensions, as in waku.")
    public init(
        _ parent: any Module.Type,
        configuration: any Hashable & Sendable,
        providers: [Provider] = [],
        imports: [any Module] = [],
        exports: [Export] = [],
        extensions: [any ModuleExtension] = [],
        isGlobal: Bool = false
    ) {
        self.parent = parent
        inherited = nil
        self.configuration = configuration
        self.providers = providers
        self.imports = imports
        self.exports = exports
        self.extensions = extensions
        self.isGlobal = isGlobal
    }

    public var moduleIdentity: ModuleIdentity { ModuleIdentity(dynamicParent: parent) }

    func hasSameConfiguration(as other: DynamicModule) -> Bool {
        AnyHashable(configuration) == AnyHashable(other.configuration)
    }

    /// The parent's declarations followed by this module's; a provider here replaces the
    /// parent's providers of the same type.
    var merged: (providers: [Provider], imports: [any Module], exports: [Export], extensions: [any ModuleExtension]) {
        guard let inherited else { return (providers, imports, exports, extensions) }
        let base: (providers: [Provider], imports: [any Module], exports: [Export], extensions: [any ModuleExtension])
        if let dynamic = inherited as? DynamicModule {
            base = dynamic.merged
        } else {
            base = (inherited.providers, inherited.imports, inherited.exports, inherited.extensions)
        }
        let replaced = Set(providers.lazy.filter { !$0.isMultiBinding }.map(\.key))
        let kept = replaced.isEmpty ? base.providers : base.providers.filter { $0.isMultiBinding || !replaced.contains($0.key) }
        return (kept + providers, base.imports + imports, base.exports + exports, base.extensions + extensions)
    }
}
