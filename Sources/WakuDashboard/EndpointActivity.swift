#if Hummingbird
import Foundation
import Waku
import WakuMessaging

/// Counts what routed handlers did in this process, per endpoint and per minute, for the
/// dashboard's history bars.
///
/// It is a ``MessageObserver``: the callbacks run on the dispatching task, so each one only
/// bumps a counter under a lock. Minutes older than ``retainedMinutes`` are dropped as new ones
/// start, so memory stays bounded however long the process runs.
final class EndpointActivity: MessageObserver {
    /// How many minutes of history each endpoint keeps.
    static let retainedMinutes = 60

    /// What happened on one endpoint in one minute, or in total since the dashboard started.
    struct Counts: Sendable, Equatable {
        var handled = 0
        var failed = 0
        var deadLettered = 0
    }

    private struct Endpoint {
        var total = Counts()
        /// Minute number (minutes since 1970) → counts; at most `retainedMinutes` entries.
        var minutes: [Int: Counts] = [:]
    }

    private let state = Locked([String: Endpoint]())
    private let now: @Sendable () -> Date

    /// `now` is injectable so tests can cross minute boundaries without waiting.
    init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    func handlerSucceeded(_ envelope: MessageEnvelope, handler: String, endpoint: String?) {
        guard let endpoint else { return }
        record(endpoint) { $0.handled += 1 }
    }

    func handlerFailed(_ envelope: MessageEnvelope, handler: String, endpoint: String?, error: any Error, attempt: Int, willRetry: Bool) {
        guard let endpoint else { return }
        record(endpoint) { $0.failed += 1 }
    }

    func deliveryFinished(_ delivery: Delivery, outcome: DeliveryProcessor.Outcome, error: (any Error)?) {
        guard outcome == .deadLettered else { return }
        record(delivery.endpoint) { $0.deadLettered += 1 }
    }

    /// Totals since the dashboard started, for `endpoint`.
    func total(of endpoint: String) -> Counts {
        state.withLock { $0[endpoint]?.total ?? Counts() }
    }

    /// The last `retainedMinutes` minutes of `endpoint`, oldest first, the current minute last;
    /// minutes without activity are zero.
    func history(of endpoint: String) -> [Counts] {
        let current = Self.minute(of: now())
        let minutes = state.withLock { $0[endpoint]?.minutes ?? [:] }
        let first = current - Self.retainedMinutes + 1
        return (first...current).map { minutes[$0] ?? Counts() }
    }

    private func record(_ endpoint: String, _ change: (inout Counts) -> Void) {
        let minute = Self.minute(of: now())
        state.withLock { endpoints in
            var entry = endpoints[endpoint] ?? Endpoint()
            change(&entry.total)
            change(&entry.minutes[minute, default: Counts()])
            if entry.minutes.count > Self.retainedMinutes {
                entry.minutes = entry.minutes.filter { $0.key > minute - Self.retainedMinutes }
            }
            endpoints[endpoint] = entry
        }
    }

    private static func minute(of date: Date) -> Int {
        Int((date.timeIntervalSince1970 / 60).rounded(.down))
    }
}
#endif
