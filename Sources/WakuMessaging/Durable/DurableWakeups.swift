import Waku

/// Wakes this process's durable workers when a transaction of their store commits, so outbox
/// messages are picked up at once instead of at the next poll.
public enum DurableWakeups {
    private static let registry = Locked<[ObjectIdentifier: [@Sendable () -> Void]]>([:])

    /// Called by a store's unit of work after it committed deliveries.
    public static func committed(_ store: AnyObject) {
        let wakers = registry.withLock { $0[ObjectIdentifier(store)] ?? [] }
        for wake in wakers { wake() }
    }

    static func register(_ store: AnyObject, _ wake: @escaping @Sendable () -> Void) {
        registry.withLock { $0[ObjectIdentifier(store), default: []].append(wake) }
    }
}
