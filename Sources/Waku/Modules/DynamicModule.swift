/// A module configured with values at import time.
///
/// A module type offers a static `register(…)` that returns one, adding providers built from
/// the value:
///
/// ```swift
/// struct ConfigModule: Module {
///     static func register(env: Environment) -> DynamicModule {
///         DynamicModule(ConfigModule.self, configuration: env, providers: [object(AppConfig(env: env))],
///                       exports: [.type(AppConfig.self)])
///     }
/// }
/// ```
///
/// The same dynamic module imported along several paths is one module when its configuration is
/// equal. Two differently configured instances, or a dynamic module next to its static parent,
/// are start-up errors.
public struct DynamicModule: Module {
    public let parent: any Module.Type
    public let providers: [Provider]
    public let imports: [any Module]
    public let exports: [Export]
    public let extensions: [any ModuleExtension]
    public let isGlobal: Bool
    /// The configuration the module was registered with; compared to detect conflicting imports.
    public let configuration: any Hashable & Sendable

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
}
