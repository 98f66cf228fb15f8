/// A picture-ready model of an application: its modules with their imports, exports and
/// providers, and any flows that extensions contribute (the message bus adds message flow).
///
/// ``WakuApplication/describe()`` builds it; ``rendered(as:)`` turns it into Mermaid or Graphviz
/// DOT. Both renderers draw from this one model, so the two pictures always agree.
///
/// Everything in it is a plain value in a deterministic order: modules in start-up order
/// (dependencies first, the root last), providers, imports and exports in declaration order,
/// flows in the order contributors added them.
public struct ApplicationDescription: Sendable, Hashable {
    /// Modules in start-up order, the root last.
    public var modules: [ModuleEntry]
    /// Flows between parts of the application, such as message types and their handlers.
    public var flows: [Flow]

    /// Creates a description from modules in start-up order and flows;
    /// ``WakuApplication/describe()`` is the usual source.
    public init(modules: [ModuleEntry] = [], flows: [Flow] = []) {
        self.modules = modules
        self.flows = flows
    }

    /// One module of the application.
    public struct ModuleEntry: Sendable, Hashable {
        /// The module type's readable name (for a dynamic module, its static parent's).
        public var name: String
        /// Whether its exports are visible everywhere without an import. The root always is.
        public var isGlobal: Bool
        /// Whether it was configured at import time (``DynamicModule``).
        public var isDynamic: Bool
        /// Names of the modules it imports directly, in declaration order.
        public var imports: [String]
        /// What it exports, in declaration order.
        public var exports: [ExportEntry]
        /// What it provides, in declaration order, including providers that extensions added.
        /// Framework-internal bookkeeping providers are left out.
        public var providers: [ProviderEntry]

        /// Creates a module entry; the flags and lists default to a plain static module that
        /// declares nothing.
        public init(
            name: String, isGlobal: Bool = false, isDynamic: Bool = false, imports: [String] = [],
            exports: [ExportEntry] = [], providers: [ProviderEntry] = []
        ) {
            self.name = name
            self.isGlobal = isGlobal
            self.isDynamic = isDynamic
            self.imports = imports
            self.exports = exports
            self.providers = providers
        }
    }

    /// One entry of a module's exports: a type, or an imported module re-exported whole.
    public struct ExportEntry: Sendable, Hashable, CustomStringConvertible {
        /// The exported type's name, or the re-exported module's name.
        public var name: String
        /// Whether this re-exports a whole module.
        public var isModule: Bool

        /// Creates an export entry for a type, or with `isModule` for a whole re-exported module.
        public init(name: String, isModule: Bool = false) {
            self.name = name
            self.isModule = isModule
        }

        /// The type's name, or `module <name>` for a re-exported module.
        public var description: String { isModule ? "module \(name)" : name }
    }

    /// One provider of a module.
    public struct ProviderEntry: Sendable, Hashable, CustomStringConvertible {
        /// The type it is resolved by; for a `many(…)` contribution, the collection.
        public var type: String
        /// How long the value lives: its scope.
        public var lifetime: Lifetime
        /// The concrete implementation's name.
        public var implementation: String
        /// Whether it contributes one element to a multi-binding collection.
        public var isContribution: Bool
        /// The `when:` condition's description, if the provider is conditional.
        public var condition: String?
        /// Whether it is active: `false` for a conditional provider whose condition does not hold.
        public var isActive: Bool

        /// Creates a provider entry; `implementation` defaults to `type`, for a provider that
        /// builds the type it is resolved by.
        public init(
            type: String, lifetime: Lifetime, implementation: String? = nil, isContribution: Bool = false,
            condition: String? = nil, isActive: Bool = true
        ) {
            self.type = type
            self.lifetime = lifetime
            self.implementation = implementation ?? type
            self.isContribution = isContribution
            self.condition = condition
            self.isActive = isActive
        }

        /// `singleton OrderRepository`, `scoped any Cache → RedisCache`, `scoped [any Plugin] += Audit`.
        public var description: String {
            let implementationPart: String
            if isContribution {
                implementationPart = " += \(implementation)"
            } else {
                implementationPart = implementation == type ? "" : " → \(implementation)"
            }
            return "\(lifetime) \(type)\(implementationPart)"
        }
    }

    /// Something that flows through the application (for example a message type) and where it
    /// goes: its handlers, each in a module and on a route.
    public struct Flow: Sendable, Hashable {
        /// What flows, for example a message type's name.
        public var name: String
        /// What kind of thing it is, for example `event` or `request`.
        public var kind: String
        /// Where it goes, in dispatch order.
        public var handlers: [FlowHandler]

        /// Creates a flow of `kind` named `name` with its handlers in dispatch order.
        public init(name: String, kind: String, handlers: [FlowHandler]) {
            self.name = name
            self.kind = kind
            self.handlers = handlers
        }
    }

    /// One handler of a ``Flow``.
    public struct FlowHandler: Sendable, Hashable {
        /// The handler's name.
        public var handler: String
        /// The module the handler is bound in.
        public var module: String
        /// How the flow reaches the handler.
        public var route: FlowRoute

        /// Creates a handler entry: the handler's name, the module it is bound in, and its route.
        public init(handler: String, module: String, route: FlowRoute) {
            self.handler = handler
            self.module = module
            self.route = route
        }
    }

    /// How a flow reaches a handler: inline in the caller's task, or through a named endpoint.
    public struct FlowRoute: Sendable, Hashable, CustomStringConvertible {
        /// How deliveries on the route are kept; the pictures draw each differently.
        public enum Style: Sendable, Hashable {
            /// Run in the caller's task.
            case inline
            /// Queued in memory and processed by background workers.
            case queued
            /// Persisted before anything runs.
            case durable
        }

        /// The endpoint's name; `nil` for inline.
        public var endpoint: String?
        /// What kind of endpoint it is, for example `local queue` or `durable`.
        public var kind: String?
        /// Whether deliveries run inline, wait in a memory queue, or are persisted first.
        public var style: Style

        /// Creates a route; prefer ``inline`` and ``endpoint(_:kind:style:)``.
        public init(endpoint: String?, kind: String?, style: Style) {
            self.endpoint = endpoint
            self.kind = kind
            self.style = style
        }

        /// Handled in the caller's task.
        public static let inline = FlowRoute(endpoint: nil, kind: nil, style: .inline)

        /// Routed to a named endpoint of the given kind.
        public static func endpoint(_ name: String, kind: String, style: Style) -> FlowRoute {
            FlowRoute(endpoint: name, kind: kind, style: style)
        }

        /// `inline`, or the endpoint's name and kind: `fulfilment (durable)`.
        public var label: String {
            guard let endpoint else { return "inline" }
            guard let kind, !kind.isEmpty else { return endpoint }
            return "\(endpoint) (\(kind))"
        }

        /// The route's ``label``.
        public var description: String { label }
    }

    /// Renders the model as text in the given format.
    public func rendered(as format: DescriptionFormat) -> String {
        switch format {
        case .mermaid: MermaidRenderer(description: self).render()
        case .dot: DotRenderer(description: self).render()
        }
    }
}

/// A text format for ``ApplicationDescription``.
public enum DescriptionFormat: String, Sendable, Hashable, CaseIterable {
    /// A Mermaid flowchart, which GitHub and many documentation tools render inline.
    case mermaid
    /// A Graphviz DOT digraph: `dot -Tsvg app.dot > app.svg`.
    case dot
}

/// Adds sections to ``WakuApplication/describe()``: implement it on a module extension (or an
/// application extension) that knows something the module metadata does not show.
///
/// `WakuMessaging` uses it to add message flow: each message type, its handlers with their
/// modules, and the endpoint each handler is routed to.
///
/// ```swift
/// struct JobsDescription: ApplicationDescriptionContributor {
///     func contribute(to description: inout ApplicationDescription, app: WakuApplication) {
///         description.flows.append(.init(name: "NightlyReport", kind: "job", handlers: [
///             .init(handler: "ReportJob", module: "ReportsModule", route: .inline),
///         ]))
///     }
/// }
/// ```
///
/// Contributors run synchronously, in the order of ``WakuApplication/extensions(ofType:)``, on
/// an application that need not be initialized.
public protocol ApplicationDescriptionContributor: ModuleExtension, ApplicationExtension {
    /// Adds this extension's sections, such as flows, to `description`, reading what it needs from
    /// `app`.
    func contribute(to description: inout ApplicationDescription, app: WakuApplication)
}
