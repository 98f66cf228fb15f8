/// A module's declarations as the framework works with them.
///
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
        providers = module.providers
        imports = module.imports
        exports = module.exports
        extensions = module.extensions
        isGlobal = module.isGlobal
    }

    public var name: String { identity.description }
}
