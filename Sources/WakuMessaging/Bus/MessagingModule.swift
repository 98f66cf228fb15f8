public import Waku

/// The message bus as a global dynamic module.
///
/// ```swift
/// struct AppModule: Module {
///     var imports: [any Module] { [MessagingModule.register(MessagingConfig()), OrdersModule()] }
/// }
/// ```
///
/// It provides ``IMessageBus``, ``ISender`` and ``IPublisher`` (one bus instance per request
/// scope), ``MessageContext`` during dispatch, and ``EventDispatcher``; and it installs the
/// ``MessageRegistryAggregator`` that merges every module's bindings.
public struct MessagingModule: Module {
    /// The configuration whose aggregator this module installs; `nil` in the parent of
    /// ``register(_:)``, which installs its own.
    private let config: MessagingConfig?

    /// `MessagingModule()` is `MessagingModule.register(MessagingConfig())`: the default bus.
    public init() { config = MessagingConfig() }

    private init(config: MessagingConfig?) { self.config = config }

    /// The bus's providers: the bus, its interfaces, the message context and the event dispatcher.
    public var providers: [Provider] {
        [
            scoped { (container: Container, registry: MessageRegistry, runtime: MessagingRuntime) in
                MessageBus(container: container, registry: registry, runtime: runtime)
            },
            // The interfaces are transient views of the one scoped bus: the same instance,
            // without a cache cell of their own to fill in every scope.
            transient((any IMessageBus).self) { (bus: MessageBus) in bus },
            transient((any ISender).self) { (bus: MessageBus) in bus },
            transient((any IPublisher).self) { (bus: MessageBus) in bus },
            transient { () throws -> MessageContext in try MessageContext.required() },
            scoped { (publisher: any IPublisher) in EventDispatcher(publisher: publisher) },
        ]
    }

    /// The bus's exports, which every module sees because the module is global.
    public var exports: [Export] {
        [
            .type(MessageBus.self), .type((any IMessageBus).self), .type((any ISender).self),
            .type((any IPublisher).self), .type(MessageContext.self), .type(EventDispatcher.self),
            .type(MessageRegistry.self), .type(MessagingRuntime.self),
        ]
    }

    /// The bus's extensions: the lifecycle that starts and stops endpoints, the message flow for
    /// `describe()`, and for `MessagingModule()` the ``MessageRegistryAggregator``.
    public var extensions: [any ModuleExtension] {
        (config.map { [MessageRegistryAggregator(config: $0)] } ?? []) + [MessagingLifecycle(), MessageFlowDescription()]
    }

    /// Always `true`: every module can inject the bus without importing this module.
    public var isGlobal: Bool { true }

    /// The bus configured with `config`: this module's providers and hooks, plus the
    /// ``MessageRegistryAggregator`` that merges every module's bindings under `config`.
    public static func register(_ config: MessagingConfig = MessagingConfig()) -> DynamicModule {
        DynamicModule(
            MessagingModule(config: nil),
            configuration: config.identity,
            extensions: [MessageRegistryAggregator(config: config)],
            isGlobal: true)
    }
}
