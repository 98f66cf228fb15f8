/// Marks a value that can sit in a module's `extensions` list.
///
/// An extension implements one or more hook protocols: ``OnModuleConfigure``,
/// ``OnModuleRegistration``, ``OnModuleInit``, ``OnModuleDestroy``, and the app-level
/// ``OnApplicationInit``, ``AfterApplicationInit`` and ``OnApplicationShutdown``.
public protocol ModuleExtension: Sendable {}

/// Marks a value that can be passed to ``WakuFactory``'s `extensions`.
public protocol ApplicationExtension: Sendable {}

/// Edits a module's metadata before the graph is built (step 1 of start-up).
public protocol OnModuleConfigure: ModuleExtension {
    /// Changes the module's providers, imports, exports or extensions; a thrown error becomes a
    /// start-up issue.
    func onModuleConfigure(_ metadata: inout ModuleMetadata) throws
}

/// Cross-module aggregation before the container is built (step 2 of start-up).
///
/// App-level registration extensions run first, then module extensions in start-up order.
/// They may add providers to any module and report problems, which join the single start-up
/// error. ``ModuleRegistry`` gives them every module's metadata.
public protocol OnModuleRegistration: ModuleExtension, ApplicationExtension {
    /// Reads every module through `registry`, adds providers and exports, and reports problems.
    ///
    /// - Parameter registry: every module's metadata, and where to add providers and report issues.
    /// - Parameter owningModule: the module that declared this extension; `nil` for app-level ones.
    func onModuleRegistration(_ registry: ModuleRegistry, owningModule: ModuleIdentity?) throws
}

/// Runs when the application initializes, for each module in start-up order (dependencies first).
public protocol OnModuleInit: ModuleExtension {
    /// Starts what the module needs at run time, after the modules it imports were initialized.
    func onModuleInit(_ module: ModuleMetadata, app: WakuApplication) async throws
}

/// Runs when the application closes, for each module in reverse start-up order.
public protocol OnModuleDestroy: ModuleExtension {
    /// Stops what ``OnModuleInit/onModuleInit(_:app:)`` started, before the modules it imports are
    /// destroyed.
    func onModuleDestroy(_ module: ModuleMetadata, app: WakuApplication) async throws
}

/// Runs once modules are initialized. May also be declared in a module's `extensions`.
public protocol OnApplicationInit: ApplicationExtension, ModuleExtension {
    /// Starts application-wide work once every module is initialized; a thrown error fails
    /// ``WakuApplication/initialize()``.
    func onAppInit(_ app: WakuApplication) async throws
}

/// Runs after every ``OnApplicationInit`` hook. May also be declared in a module's `extensions`.
public protocol AfterApplicationInit: ApplicationExtension, ModuleExtension {
    /// Runs once the application counts as initialized, for work that must see every init hook
    /// done.
    func afterAppInit(_ app: WakuApplication) async throws
}

/// Runs at close, after module destroy hooks and before the container closes.
/// May also be declared in a module's `extensions`.
public protocol OnApplicationShutdown: ApplicationExtension, ModuleExtension {
    /// Stops application-wide work while the app container is still open.
    func onAppShutdown(_ app: WakuApplication) async throws
}
