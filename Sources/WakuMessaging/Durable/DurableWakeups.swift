import Waku

/// Wakes this process's durable workers when a transaction of their store commits, so outbox
/// messages are picked up at once instead of at the next poll.
public enum DurableWakeups {
    private struct Waker {
        /// The endpoint whose worker this wakes.
        let endpoint: String
        let wake: @Sendable () -> Void
    }

    private static let registry = Locked<[ObjectIdentifier: [Waker]]>([:])

    /// Called by a store's unit of work after it committed deliveries: wakes every worker of the
    /// store.
    public static func committed(_ store: AnyObject) {
        let wakers = registry.withLock { $0[ObjectIdentifier(store)] ?? [] }
        for waker in wakers { waker.wake() }
    }

    /// Called by a store that learned that deliveries for `endpoint` were committed (by another
    /// process, for instance): wakes that endpoint's workers only.
    public static func committed(_ store: AnyObject, endpoint: String) {
        let wakers = registry.withLock { $0[ObjectIdentifier(store)] ?? [] }
        for waker in wakers where waker.endpoint == endpoint { waker.wake() }
    }

    static func register(_ store: AnyObject, endpoint: String, _ wake: @escaping @Sendable () -> Void) {
        registry.withLock { $0[ObjectIdentifier(store), default: []].append(Waker(endpoint: endpoint, wake: wake)) }
    }
}
