/// The root contract of everything the bus carries. Messages are immutable values.
public protocol IMessage: Sendable {}

/// Something that has already happened. An event has zero or more handlers (fan-out);
/// publishing one with no handlers does nothing.
///
/// ```swift
/// struct OrderPlaced: IEvent { let orderId: String; let customerId: String }
/// ```
///
/// Your own base protocols work: `protocol DomainEvent: IEvent { var occurredAt: Date { get } }`.
public protocol IEvent: IMessage {}

/// A request for something to be done, handled by exactly one handler, with a typed response.
///
/// ```swift
/// struct PlaceOrder: IRequest { typealias Response = OrderConfirmation; let customerId: String }
/// let confirmation = try await bus.invoke(PlaceOrder(customerId: "c-1"))   // OrderConfirmation
/// ```
public protocol IRequest<Response>: IMessage {
    /// What the handler returns; `Void` unless the request declares another type.
    associatedtype Response: Sendable = Void
}
