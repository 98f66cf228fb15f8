public import Logging

/// Builds a ``WakuApplication`` from a root module.
///
/// ```swift
/// let app = try await WakuFactory(AppModule(), context: ContextValues(config)).create()
/// ```
///
/// `create()` collects the modules, runs the configure and registration hooks, validates the
/// whole graph and compiles it. Every problem is reported together in one ``StartupError``.
public struct WakuFactory: Sendable {
    /// The root module; the application consists of it and everything it imports, transitively.
    public let root: any Module
    /// App-scope context values, read by `contextual(T.self, scope: .app)` providers and by
    /// conditions.
    public let context: ContextValues
    /// Lifespans, entered in this order at ``WakuApplication/initialize()`` and exited in reverse
    /// order at close.
    public let lifespan: [Lifespan]
    /// App-level extensions: registration and lifecycle hooks that belong to no module.
    public let extensions: [any ApplicationExtension]
    /// How strictly ``create()`` checks the graph: fail on any problem, log some as warnings, or
    /// skip those checks (see ``ValidationMode``).
    public let validation: ValidationMode
    /// The logger the application and its containers log to.
    public let logger: Logger

    /// Configures a factory for the application rooted at `root`; nothing is built until
    /// ``create()``.
    public init(
        _ root: any Module,
        context: ContextValues = ContextValues(),
        lifespan: [Lifespan] = [],
        extensions: [any ApplicationExtension] = [],
        validation: ValidationMode = .strict,
        logger: Logger = Logger(label: "waku")
    ) {
        self.root = root
        self.context = context
        self.lifespan = lifespan
        self.extensions = extensions
        self.validation = validation
        self.logger = logger
    }

    /// Builds and validates the application. It is not initialized yet: call
    /// ``WakuApplication/initialize()``, ``WakuApplication/run(isolation:_:)`` or run it as a
    /// `Service`.
    public func create() async throws -> WakuApplication {
        try build(overrides: [])
    }

    /// Builds with test providers added to the root module. One whose type some module provides
    /// replaces that provider wherever it lives, and its own dependencies skip the boundary
    /// checks (a test override); any other is an ordinary provider of the root module, validated
    /// like every provider.
    package func build(overrides: [Provider]) throws -> WakuApplication {
        // 1. Collect modules in DFS post-order, running OnModuleConfigure on each.
        let collector = ModuleCollector.collect(root: root)
        var issues = collector.issues

        // 2. Registration: app-level extensions first, then module extensions in start-up order.
        let registry = ModuleRegistry(
            modules: collector.modules, context: context, applicationExtensions: extensions, logger: logger)
        for case let registration as any OnModuleRegistration in extensions {
            run(registration, registry: registry, owner: nil)
        }
        for module in collector.modules {
            for case let registration as any OnModuleRegistration in module.extensions {
                run(registration, registry: registry, owner: module.identity)
            }
        }
        issues += registry.issues
        var modules = registry.modules
        if !overrides.isEmpty, let rootIndex = modules.indices.last {
            // Collections count: a provider of `[I]` replaces the contributions as a whole.
            let provided = Set(modules.lazy.flatMap(\.providers).map(\.lookupKey))
            modules[rootIndex].providers += overrides.map { provider in
                var provider = provider
                // A contribution adds to its collection; it replaces nothing.
                provider.isOverride = !provider.isMultiBinding && provided.contains(provider.key)
                return provider
            }
        }

        // 3. Validate and compile the provider graph.
        var compiler = GraphCompiler(
            modules: modules, imports: collector.importIndices, context: context, mode: validation)
        let graph = compiler.compile()
        issues += compiler.issues
        switch validation {
        case .strict:
            break
        case .warn:
            // Only once the app will start: a failing create() reports every problem as an error.
            if issues.isEmpty { logWarnings(compiler.checkedIssues) }
        case .disabled:
            logger.warning(
                """
                Waku start-up validation is disabled (validation: .disabled): boundary, export, missing-dependency, \
                captive-dependency and conditional checks are skipped. Use validation: .warn to see those problems \
                without failing, or .strict to fail on them.
                """)
        }
        guard issues.isEmpty else { throw StartupError(issues: issues) }

        return WakuApplication(
            modules: modules, graph: graph, context: context, lifespan: lifespan,
            extensions: extensions, logger: logger)
    }

    /// `.warn`: each problem the checks found, as one warning with its fix.
    private func logWarnings(_ issues: [StartupIssue]) {
        guard !issues.isEmpty else { return }
        let count = issues.count
        logger.warning(
            "Waku start-up validation (validation: .warn) found \(count) problem\(count == 1 ? "" : "s"); the application starts anyway.")
        for (offset, issue) in issues.enumerated() {
            logger.warning(
                "\(offset + 1). \(issue)",
                metadata: [
                    WakuLogMetadata.Key.issue: "\(issue.kind)",
                    WakuLogMetadata.Key.modules: "\(issue.modules.joined(separator: ", "))",
                ])
        }
    }

    private func run(_ registration: any OnModuleRegistration, registry: ModuleRegistry, owner: ModuleIdentity?) {
        do {
            try registration.onModuleRegistration(registry, owningModule: owner)
        } catch {
            let moduleName = owner?.description ?? "the application"
            registry.report(StartupIssue(
                kind: .extensionFailure,
                message: "\(type(of: registration)).onModuleRegistration failed for \(moduleName): \(error)",
                modules: [moduleName], fix: "Fix the registration the extension reports."))
        }
    }
}
