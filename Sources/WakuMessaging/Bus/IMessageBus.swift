/// Publishes events. Inject this instead of ``IMessageBus`` when a component only broadcasts
/// events: the principle of least privilege.
public protocol IPublisher: Sendable {
    /// Runs every handler bound to the event's exact runtime type, sequentially in registration
    /// order. With no handlers it does nothing. If a handler throws, the ones after it do not run
    /// and the error reaches the caller.
    func publish<E: IEvent>(_ event: E) async throws
    /// Publishes with delivery options (group key, delay) for routed handlers.
    func publish<E: IEvent>(_ event: E, options: DeliveryOptions) async throws
}

/// Sends requests.
public protocol ISender: Sendable {
    /// Runs the request's one handler through the pipeline and returns its typed response.
    /// Throws ``RequestHandlerNotFound`` when none is bound.
    func invoke<R: IRequest>(_ request: R) async throws -> R.Response
    /// Dispatches the request and discards the response.
    func send<R: IRequest>(_ request: R) async throws
    /// Sends with delivery options (group key, delay) when the request is routed.
    func send<R: IRequest>(_ request: R, options: DeliveryOptions) async throws
}

/// Every verb of the bus. Within one request scope, `IMessageBus`, `ISender` and `IPublisher`
/// resolve to the same instance.
public protocol IMessageBus: IPublisher, ISender {}
