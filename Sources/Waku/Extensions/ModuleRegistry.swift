public import Logging

/// Every collected module, in start-up order, as registration extensions see it.
///
/// It is a reference type so that extensions can add providers and report issues; it is only
/// used during ``WakuFactory/create()`` from one task.
public final class ModuleRegistry: @unchecked Sendable {
    // @unchecked: only touched synchronously inside WakuFactory.create(), never shared across tasks.
    /// Modules in start-up order: dependencies first, the root last.
    public private(set) var modules: [ModuleMetadata]
    /// The context values the application was created with.
    public let context: ContextValues
    /// App-level extensions passed to ``WakuFactory``.
    public let applicationExtensions: [any ApplicationExtension]
    /// The application's logger (``WakuFactory``'s `logger:`), for extensions that build services
    /// which log and were not given a logger of their own.
    public let logger: Logger
    var issues: [StartupIssue] = []
    let indexByIdentity: [ModuleIdentity: Int]

    init(
        modules: [ModuleMetadata], context: ContextValues, applicationExtensions: [any ApplicationExtension],
        logger: Logger
    ) {
        self.modules = modules
        self.logger = logger
        self.context = context
        self.applicationExtensions = applicationExtensions
        var index: [ModuleIdentity: Int] = [:]
        for (position, module) in modules.enumerated() { index[module.identity] = position }
        indexByIdentity = index
    }

    /// The root module (always global).
    public var root: ModuleMetadata? { modules.last }

    /// The module with this identity, if collected.
    public func module(_ identity: ModuleIdentity) -> ModuleMetadata? {
        indexByIdentity[identity].map { modules[$0] }
    }

    /// The first collected module whose type (or dynamic parent) is `type`.
    public func module(ofType type: any Module.Type) -> ModuleMetadata? {
        let id = ObjectIdentifier(type)
        return modules.first { $0.identity.type == id }
    }

    /// Every extension of type `E` declared by any module, with its module, in start-up order.
    public func extensions<E>(ofType type: E.Type) -> [(module: ModuleMetadata, extension: E)] {
        modules.flatMap { module in module.extensions.compactMap { $0 as? E }.map { (module, $0) } }
    }

    /// Adds a provider to a collected module. Returns `false` if no such module was collected.
    @discardableResult
    public func addProvider(_ provider: Provider, to identity: ModuleIdentity) -> Bool {
        guard let position = indexByIdentity[identity] else { return false }
        modules[position].providers.append(provider)
        return true
    }

    /// Adds an export to a collected module.
    @discardableResult
    public func addExport(_ export: Export, to identity: ModuleIdentity) -> Bool {
        guard let position = indexByIdentity[identity] else { return false }
        modules[position].exports.append(export)
        return true
    }

    /// Records a start-up problem; all problems are reported together by ``WakuFactory/create()``.
    public func report(_ issue: StartupIssue) {
        issues.append(issue)
    }
}
