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
    /// `MessagingModule()` is `MessagingModule.register(MessagingConfig())`: the default bus.
    public init() {}

    public var providers: [Provider] { Self.register().providers }
    public var exports: [Export] { Self.register().exports }
    public var extensions: [any ModuleExtension] { Self.register().extensions }
    public var isGlobal: Bool { true }

    public static func register(_ config: MessagingConfig = MessagingConfig()) -> DynamicModule {
        DynamicModule(
            MessagingModule.self,
            configuration: config.identity,
            providers: [
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
            ],
            exports: [
                .type(MessageBus.self), .type((any IMessageBus).self), .type((any ISender).self),
                .type((any IPublisher).self), .type(MessageContext.self), .type(EventDispatcher.self),
                .type(MessageRegistry.self), .type(MessagingRuntime.self),
            ],
            extensions: [MessageRegistryAggregator(config: config), MessagingLifecycle(), MessageFlowDescription()],
            isGlobal: true)
    }
}
