/// A module's declarations as the framework works with them.
///
/// For a ``DynamicModule`` these are its parent's declarations followed by its own.
/// ``OnModuleConfigure`` extensions may edit it before the graph is built.
public struct ModuleMetadata: Sendable {
    public let identity: ModuleIdentity
    public var providers: [Provider]
    public var imports: [any Module]
    public var exports: [Export]
    public var extensions: [any ModuleExtension]
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

    public var name: String { identity.description }
}
