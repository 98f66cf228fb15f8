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

    /// Creates empty storage.
    public init() {}

    /// Appends `event` to the pending events.
    public func record(_ event: any IEvent) {
        pending.withLock { $0.append(event) }
    }

    /// Returns the pending events in recording order and forgets them.
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

    /// A dispatcher that publishes through `publisher`; `MessagingModule` provides one per request
    /// scope.
    public init(publisher: any IPublisher) {
        self.publisher = publisher
    }

    /// Publishes every event `aggregate` collected, in recording order, stopping at the first that
    /// throws.
    public func dispatch(_ aggregate: some AggregateRoot) async throws {
        for event in aggregate.collectEvents() {
            try await publisher.publish(event)
        }
    }
}
