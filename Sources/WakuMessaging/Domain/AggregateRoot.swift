import Waku

/// An aggregate that records domain events while it changes, for an ``EventDispatcher`` to
/// publish once the change is saved.
public protocol AggregateRoot: AnyObject, Sendable {
    /// Returns the recorded events and forgets them.
    func collectEvents() -> [any IEvent]
}

/// Thread-safe storage for an aggregate's pending events.
///
/// ```swift
/// final class Order: AggregateRoot {
///     private let events = DomainEvents()
///     func place() { events.record(OrderPlaced(orderId: id, customerId: customerId)) }
///     func collectEvents() -> [any IEvent] { events.collect() }
/// }
/// ```
public final class DomainEvents: Sendable {
    private let pending = Locked<[any IEvent]>([])

    public init() {}

    public func record(_ event: any IEvent) {
        pending.withLock { $0.append(event) }
    }

    public func collect() -> [any IEvent] {
        pending.withLock { events in
            defer { events = [] }
            return events
        }
    }
}

/// Publishes what an aggregate collected, in recording order: the seed's infrastructure bridge
/// between aggregates and the bus.
public final class EventDispatcher: Sendable {
    private let publisher: any IPublisher

    public init(publisher: any IPublisher) {
        self.publisher = publisher
    }

    public func dispatch(_ aggregate: some AggregateRoot) async throws {
        for event in aggregate.collectEvents() {
            try await publisher.publish(event)
        }
    }
}
