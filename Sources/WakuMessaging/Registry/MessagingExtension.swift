public import Waku

/// A module's message bindings: which handlers handle which messages, with which behaviors.
///
/// ```swift
/// struct OrdersModule: Module {
///     var extensions: [any ModuleExtension] {
///         [MessagingExtension()
///             .bindEvent(OrderPlaced.self, [SendConfirmationEmail.self, UpdateOrderStats.self])
///             .bindRequest(PlaceOrder.self, PlaceOrderHandler.self, behaviors: [AuditBehavior.self])]
///     }
/// }
/// ```
///
/// ``MessageRegistryAggregator`` merges the bindings of every module at start-up. Handler types
/// listed by type are resolved through the container: provide them in the module, make them
/// ``Injectable``, or use the autowired forms (`bindEvent(OrderPlaced.self, SendConfirmationEmail.init)`).
public struct MessagingExtension: OnModuleRegistration {
    var requests: [RequestBinding] = []
    var events: [EventBinding] = []

    /// An extension with no bindings; add them with `bindEvent` and `bindRequest`.
    public init() {}

    /// Binds handler types to an event. They run in list order; bindings from other modules for
    /// the same event are merged in module start-up order.
    public func bindEvent<E: IEvent>(
        _ event: E.Type, _ handlers: [any EventHandler<E>.Type], behaviors: [any IPipelineBehavior.Type] = []
    ) -> MessagingExtension {
        var copy = self
        copy.events.append(.make(event, handlers: handlers.map { Self.handlerBinding(event, $0) }, behaviors: behaviors))
        return copy
    }

    /// Registers the handler's provider (request-scoped, autowired from `factory`) and binds it.
    ///
    /// Inlinable, like the provider helpers, so the factory is specialized where it is bound.
    @inlinable
    public func bindEvent<E: IEvent, H: EventHandler, each D>(
        _ event: E.Type, _ factory: @escaping @Sendable (repeat __owned each D) async throws -> H,
        behaviors: [any IPipelineBehavior.Type] = []
    ) -> MessagingExtension where H.Event == E {
        bindEvent(event, H.self, provider: scoped(factory), behaviors: behaviors)
    }

    /// The same, for a synchronous factory (most initializers): the handler is then created
    /// without an async call once the cached values it reads exist.
    @inlinable
    public func bindEvent<E: IEvent, H: EventHandler, each D>(
        _ event: E.Type, _ factory: @escaping @Sendable (repeat __owned each D) throws -> H,
        behaviors: [any IPipelineBehavior.Type] = []
    ) -> MessagingExtension where H.Event == E {
        bindEvent(event, H.self, provider: scoped(factory), behaviors: behaviors)
    }

    /// Binds `H` with its provider.
    @usableFromInline
    func bindEvent<E: IEvent, H: EventHandler>(
        _ event: E.Type, _ handler: H.Type, provider: Provider, behaviors: [any IPipelineBehavior.Type]
    ) -> MessagingExtension where H.Event == E {
        var copy = self
        let binding = EventHandlerBinding.make(event, H.self, provider: provider)
        copy.events.append(.make(event, handlers: [binding], behaviors: behaviors))
        return copy
    }

    /// Binds the one handler of a request type.
    public func bindRequest<R: IRequest, H: RequestHandler>(
        _ request: R.Type, _ handler: H.Type, behaviors: [any IPipelineBehavior.Type] = []
    ) -> MessagingExtension where H.Request == R {
        var copy = self
        copy.requests.append(.make(request, handler, behaviors: behaviors, provider: nil))
        return copy
    }

    /// Registers the handler's provider (request-scoped, autowired from `factory`) and binds it.
    ///
    /// Inlinable, like the provider helpers, so the factory is specialized where it is bound.
    @inlinable
    public func bindRequest<R: IRequest, H: RequestHandler, each D>(
        _ request: R.Type, _ factory: @escaping @Sendable (repeat __owned each D) async throws -> H,
        behaviors: [any IPipelineBehavior.Type] = []
    ) -> MessagingExtension where H.Request == R {
        bindRequest(request, H.self, provider: scoped(factory), behaviors: behaviors) { request, container in
            try await container.get(H.self).handle(request)
        }
    }

    /// The same, for a synchronous factory (most initializers): the handler is then created
    /// without an async call once the cached values it reads exist.
    @inlinable
    public func bindRequest<R: IRequest, H: RequestHandler, each D>(
        _ request: R.Type, _ factory: @escaping @Sendable (repeat __owned each D) throws -> H,
        behaviors: [any IPipelineBehavior.Type] = []
    ) -> MessagingExtension where H.Request == R {
        bindRequest(request, H.self, provider: scoped(factory), behaviors: behaviors) { request, container in
            try await container.get(H.self).handle(request)
        }
    }

    /// Binds `H` with its provider; `handle` resolves and calls it, built where `H` is concrete.
    @usableFromInline
    func bindRequest<R: IRequest, H: RequestHandler>(
        _ request: R.Type, _ handler: H.Type, provider: Provider, behaviors: [any IPipelineBehavior.Type],
        handle: @escaping @Sendable (R, Container) async throws -> R.Response
    ) -> MessagingExtension where H.Request == R {
        var copy = self
        copy.requests.append(.make(request, H.self, behaviors: behaviors, provider: provider, handle: handle))
        return copy
    }

    private static func handlerBinding<E: IEvent>(_ event: E.Type, _ handler: any EventHandler<E>.Type) -> EventHandlerBinding {
        open(event, handler)
    }

    private static func open<E: IEvent, H: EventHandler>(_ event: E.Type, _ handler: H.Type) -> EventHandlerBinding
    where H.Event == E {
        EventHandlerBinding.make(event, handler, provider: nil)
    }

    /// Bindings only take effect through `MessagingModule`; without it they would be ignored.
    public func onModuleRegistration(_ registry: ModuleRegistry, owningModule: ModuleIdentity?) throws {
        guard registry.module(ofType: MessagingModule.self) == nil else { return }
        let moduleName = owningModule?.description ?? "the application"
        registry.report(StartupIssue(
            kind: .messaging,
            message: "Module \(moduleName) declares a MessagingExtension, but the application does not import MessagingModule, "
                + "so its bindings would never run.",
            modules: [moduleName],
            fix: "Import `MessagingModule.register(MessagingConfig())` in the root module."))
    }
}
