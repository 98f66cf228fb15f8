import Atomics
import Foundation
import Waku

/// The layers a dispatch adds around its handlers only while they are present: spans, when a
/// tracer was found at start-up, and observer reports, while an observer is registered. Without
/// either a dispatch is bare: the bus and the workers check ``isBare`` once and call the
/// handler's invoker directly.
final class DispatchLayers: Sendable {
    let telemetry: MessagingTelemetry
    /// The registered observers, replaced whole on change.
    private let observers = ManagedAtomic(ObserverList([]))
    /// Whether `observers` holds any, set with it: every dispatch reads this plain atomic, which
    /// workers on several cores can load at once; loading the strong reference `observers`
    /// takes compare-and-swaps on a word they all share.
    private let observed = ManagedAtomic(false)
    private let hasTracer: Bool
    private let updates = Locked(())

    init(telemetry: MessagingTelemetry) {
        self.telemetry = telemetry
        hasTracer = telemetry.tracer != nil
        if let metrics = telemetry.metrics { addObserver(metrics) }
    }

    /// Whether any observer is registered.
    var isObserved: Bool { observed.load(ordering: .acquiring) }
    /// Whether neither a tracer nor an observer is there: handlers run without spans or reports.
    var isBare: Bool { !hasTracer && !isObserved }

    func addObserver(_ observer: any MessageObserver) {
        updateObservers { $0.append(observer) }
    }

    func removeObserver(_ observer: AnyObject) {
        updateObservers { $0.removeAll { ($0 as AnyObject) === observer } }
    }

    private func updateObservers(_ change: (inout [any MessageObserver]) -> Void) {
        updates.withLock { _ in
            var items = observers.load(ordering: .acquiring).items
            change(&items)
            observers.store(ObserverList(items), ordering: .releasing)
            observed.store(!items.isEmpty, ordering: .releasing)
        }
    }

    /// Calls `body` for each observer; one plain atomic load when none are registered.
    func observe(_ body: (any MessageObserver) -> Void) {
        guard isObserved else { return }
        for observer in observers.load(ordering: .acquiring).items { body(observer) }
    }

    /// A dispatch (`invoke`, `send`, `publish`): reported to observers, then run in its span when
    /// there is a tracer. `body` gets the envelope that carries the span's trace headers.
    func dispatch<R>(
        _ envelope: MessageEnvelope, verb: String, isolation: isolated (any Actor)? = #isolation,
        _ body: (MessageEnvelope) async throws -> R
    ) async throws -> R {
        observe { $0.dispatchStarted(envelope) }
        guard let tracer = telemetry.tracer else { return try await body(envelope) }
        return try await telemetry.withDispatchSpan(tracer, envelope, verb: verb, body)
    }

    /// One handler execution: in its span when there is a tracer, timed for observers when there
    /// are any. An inline execution (`endpoint == nil`) also reports its success or failure;
    /// a routed one leaves that to its endpoint, which knows whether it will retry.
    func handler<R>(
        _ envelope: MessageEnvelope, handler: String, endpoint: String?, isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> R
    ) async throws -> R {
        guard isObserved else { return try await span(envelope, handler: handler, endpoint: endpoint, body) }
        let start = ContinuousClock.now
        do {
            let result = try await span(envelope, handler: handler, endpoint: endpoint, body)
            let duration = ContinuousClock.now - start
            observe {
                if endpoint == nil { $0.handlerSucceeded(envelope, handler: handler, endpoint: nil) }
                $0.handlerFinished(envelope, handler: handler, endpoint: endpoint, duration: duration, error: nil)
            }
            return result
        } catch {
            let duration = ContinuousClock.now - start
            observe {
                if endpoint == nil {
                    $0.handlerFailed(envelope, handler: handler, endpoint: nil, error: error, attempt: 1, willRetry: false)
                }
                $0.handlerFinished(envelope, handler: handler, endpoint: endpoint, duration: duration, error: error)
            }
            throw error
        }
    }

    private func span<R>(
        _ envelope: MessageEnvelope, handler: String, endpoint: String?, isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> R
    ) async throws -> R {
        guard let tracer = telemetry.tracer else { return try await body() }
        return try await telemetry.withHandlerSpan(tracer, envelope, handler: handler, endpoint: endpoint, body)
    }
}

/// An immutable observer list, replaced whole on change.
final class ObserverList: AtomicReference, Sendable {
    let items: [any MessageObserver]
    init(_ items: [any MessageObserver]) { self.items = items }
}
