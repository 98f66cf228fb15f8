/// A module's declarations as the framework works with them.
///
/// For a ``DynamicModule`` these are its parent's declarations followed by its own.
/// ``OnModuleConfigure`` extensions may edit it before the graph is built.
public struct ModuleMetadata: Sendable {
    /// Which module this is.
    public let identity: ModuleIdentity
    /// The module's providers, including any that configure and registration extensions added.
    public var providers: [Provider]
    /// The modules it imports, in declaration order.
    public var imports: [any Module]
    /// What it exports to its importers.
    public var exports: [Export]
    /// Its extensions: lifecycle hooks and bindings such as `MessagingExtension`.
    public var extensions: [any ModuleExtension]
    /// Whether its exports are visible to every module without an import.
    public var isGlobal: Bool
    /// The module value itself.
    public let module: any Module

    init(_ module: any Module) {
        self.module = module
        identity = module.moduleIdentity
        isGlobal = module.isGlobal
        if let dynamic = module as? DynamicModule {
            // A dynamic module is its parent's declarations plus its own, as in waku.
            (providers, imports, exports, extensions) = dynamic.merged
        } else {
            providers = module.providers
            imports = module.imports
            exports = module.exports
            extensions = module.extensions
        }
    }

    /// The module's readable name, as in start-up errors and logs.
    public var name: String { identity.description }
}
