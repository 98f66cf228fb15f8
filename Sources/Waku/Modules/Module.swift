/// A unit of the application with an explicit boundary.
///
/// A module declares only what it uses; everything defaults to empty or `false`:
///
/// ```swift
/// struct UsersModule: Module {
///     var providers: [Provider] { [scoped(UserService.init), singleton(UserRepository.init)] }
///     var imports: [any Module] { [DatabaseModule()] }
///     var exports: [Export] { [.type(UserService.self)] }
/// }
/// ```
///
/// A provider may depend only on types provided by its own module, exported by a module it
/// imports (directly or through re-exports), exported by a global module, or supplied as context.
/// Imports are not transitive. ``WakuFactory/create()`` checks every boundary before anything runs.
public protocol Module: Sendable {
    /// What this module provides.
    var providers: [Provider] { get }
    /// Modules whose exports this module may use: static modules and dynamic modules, mixed.
    var imports: [any Module] { get }
    /// Provided types, and imported modules re-exported as a whole.
    var exports: [Export] { get }
    /// Extensions: module hooks, and app-level hooks declared next to the module they serve.
    var extensions: [any ModuleExtension] { get }
    /// A global module's exports are visible to every module without an import.
    var isGlobal: Bool { get }
    /// Identity used to deduplicate imports; static modules are identified by their type.
    var moduleIdentity: ModuleIdentity { get }
}

extension Module {
    public var providers: [Provider] { [] }
    public var imports: [any Module] { [] }
    public var exports: [Export] { [] }
    public var extensions: [any ModuleExtension] { [] }
    public var isGlobal: Bool { false }
    public var moduleIdentity: ModuleIdentity { ModuleIdentity(Self.self) }
}
