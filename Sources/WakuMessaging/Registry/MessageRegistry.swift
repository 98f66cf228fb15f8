import Waku

/// Every binding of the application, merged at start-up by ``MessageRegistryAggregator`` and
/// frozen afterwards.
public final class MessageRegistry: Sendable {
    let requestPlans: [ObjectIdentifier: AnyRequestPlan]
    let eventPlans: [ObjectIdentifier: EventPlan]
    let requestOrder: [ObjectIdentifier]
    let eventOrder: [ObjectIdentifier]

    init(requestPlans: [AnyRequestPlan], eventPlans: [EventPlan]) {
        var requests: [ObjectIdentifier: AnyRequestPlan] = [:]
        for plan in requestPlans { requests[plan.messageID] = plan }
        var events: [ObjectIdentifier: EventPlan] = [:]
        for plan in eventPlans { events[plan.messageID] = plan }
        self.requestPlans = requests
        self.eventPlans = events
        requestOrder = requestPlans.map(\.messageID)
        eventOrder = eventPlans.map(\.messageID)
    }

    /// One bound message type with its handlers, for diagnostics and diagrams.
    public struct Route: Sendable {
        /// The stable name of the message type.
        public let messageType: String
        /// Whether the message is an event (`true`) or a request (`false`).
        public let isEvent: Bool
        /// Handlers in dispatch order with their module and endpoint (`nil`: inline).
        public let handlers: [(handler: String, module: String, endpoint: String?)]
    }

    /// Every bound request and event, in registration order.
    public var routes: [Route] {
        requestOrder.compactMap { requestPlans[$0] }.map {
            Route(messageType: $0.typeName, isEvent: false, handlers: [Self.description(of: $0.invoker)])
        } + eventOrder.compactMap { eventPlans[$0] }.map {
            Route(messageType: $0.typeName, isEvent: true, handlers: $0.handlers.map(Self.description))
        }
    }

    /// Handler names of an event type, in dispatch order.
    public func handlers<E: IEvent>(of event: E.Type) -> [String] {
        eventPlans[ObjectIdentifier(event)]?.handlers.map(\.handlerName) ?? []
    }

    /// The handler of a request type, if bound.
    public func handler<R: IRequest>(of request: R.Type) -> String? {
        requestPlans[ObjectIdentifier(request)]?.invoker.handlerName
    }

    private static func description(of invoker: HandlerInvoker) -> (handler: String, module: String, endpoint: String?) {
        (invoker.handlerName, invoker.module, invoker.endpoint)
    }
}
