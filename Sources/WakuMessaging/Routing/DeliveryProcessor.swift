import Foundation
import Logging
import Waku

/// Runs one delivery with its endpoint's error policy: attempts with a timeout, retries with
/// exponential backoff and jitter, then dead-letter or discard. A failure never escapes: the
/// worker that called it keeps running.
public final class DeliveryProcessor: Sendable {
    let app: WakuApplication
    /// Spans and observer reports around each attempt, while a tracer or an observer is there.
    let layers: DispatchLayers
    /// Where exhausted deliveries of in-memory endpoints go.
    let deadLetters: any DeadLetterStore
    /// Every handler's invoker by its stable (message type, handler) key, for durable rows.
    private let invokers: [String: HandlerInvoker]
    let logger: Logger

    init(app: WakuApplication, layers: DispatchLayers, deadLetters: any DeadLetterStore, invokers: [String: HandlerInvoker],
         logger: Logger) {
        self.app = app
        self.layers = layers
        self.deadLetters = deadLetters
        self.invokers = invokers
        self.logger = logger
    }

    /// The invoker of a stored delivery's handler, by the stable names its row keeps.
    func invoker(messageType: String, handler: String) -> HandlerInvoker? {
        invokers[HandlerInvoker.key(messageType: messageType, handler: handler)]
    }

    /// Calls `body` for each observer; one plain atomic load when none are registered.
    func observe(_ body: (any MessageObserver) -> Void) {
        layers.observe(body)
    }

    /// How one delivery ended.
    public enum Outcome: Sendable, Equatable {
        /// The handler succeeded, on the first attempt or a retry.
        case handled
        /// The retries ran out and the delivery went to the dead-letter store.
        case deadLettered
        /// The retries ran out and the policy said to drop the delivery.
        case discarded
        /// Stopped by shutdown before it finished.
        case abandoned
    }

    /// Where a call to ``process(_:policy:retryInPlace:)`` left the delivery.
    enum Step: Sendable, Equatable {
        /// It reached its end, reported to observers.
        case finished(Outcome)
        /// An attempt failed and the policy retries it after this backoff: the caller holds it
        /// and runs it again once the backoff has passed. Not reported as finished.
        case retry(after: Duration)
    }

    /// Processes `delivery` under `policy`: one attempt, and, when it fails and the policy
    /// retries, either the retries too (`retryInPlace`, sleeping through each backoff on the
    /// calling task) or `.retry(after:)` for the caller to schedule.
    // Inlined into the worker loops: each async layer costs a delivery two executor checks.
    @inline(__always)
    // `inout`: the worker's delivery itself, not a copy of it (a copy retains its references).
    func process(_ delivery: inout Delivery, policy: ErrorPolicy, retryInPlace: Bool) async -> Step {
        delivery.settle()
        while true {
            delivery.attempts += 1
            do {
                try await attempt(delivery, timeout: policy.attemptTimeout)
                observe {
                    $0.handlerSucceeded(delivery.envelope, handler: delivery.handler, endpoint: delivery.endpoint)
                    $0.deliveryFinished(delivery, outcome: .handled, error: nil)
                }
                return .finished(.handled)
            } catch {
                if Task.isCancelled {
                    observe { $0.deliveryFinished(delivery, outcome: .abandoned, error: error) }
                    return .finished(.abandoned)
                }
                let decision = RetryDecision.after(
                    attempt: delivery.attempts, failure: .handler, policy: policy, now: Date(), jitter: RetryDecision.randomJitter())
                log(delivery, error: error, retrying: decision.retries)
                observe { $0.handlerFailed(delivery.envelope, handler: delivery.handler, endpoint: delivery.endpoint,
                                           error: error, attempt: delivery.attempts, willRetry: decision.retries) }
                switch decision {
                case .retry(let backoff, _):
                    guard retryInPlace else { return .retry(after: backoff) }
                    do {
                        try await Task.sleep(for: backoff)
                    } catch {
                        observe { $0.deliveryFinished(delivery, outcome: .abandoned, error: error) }
                        return .finished(.abandoned)
                    }
                    continue
                case .discard:
                    logger.warning("Discarded after \(delivery.attempts) attempt(s)", metadata: metadata(delivery, error))
                    observe { $0.deliveryFinished(delivery, outcome: .discarded, error: error) }
                    return .finished(.discarded)
                case .deadLetter:
                    await deadLetter(delivery, error: error)
                    return .finished(.deadLettered)
                }
            }
        }
    }

    /// Keeps `delivery` in the dead-letter store, or, if the store fails, in a log line.
    private func deadLetter(_ delivery: Delivery, error: any Error) async {
        let record = DeadLetterRecord(delivery: delivery, error: String(describing: error), attempts: delivery.attempts)
        do {
            try await deadLetters.add(record)
        } catch let storeError {
            logger.critical(
                "Dead-letter store failed; the delivery is only in this log line",
                metadata: metadata(delivery, error).merging([WakuLogMetadata.Key.storeError: "\(storeError)"]) { $1 })
        }
        logger.error("Dead-lettered after \(delivery.attempts) attempt(s)", metadata: metadata(delivery, error))
        observe { $0.deliveryFinished(delivery, outcome: .deadLettered, error: error) }
    }

    /// Reports to observers that `delivery` was abandoned by a stop without another attempt:
    /// it was queued, waiting for a retry, or next in a worker's batch.
    func abandoned(_ delivery: Delivery) {
        observe { $0.deliveryFinished(delivery, outcome: .abandoned, error: nil) }
    }

    /// One attempt: in the handler's span (parented by the envelope's trace headers) and timed
    /// for observers, when they are there.
    @inline(__always)
    func attempt(_ delivery: Delivery, timeout: Duration?) async throws {
        guard !layers.isBare else { return try await attemptBare(delivery, timeout: timeout) }
        try await layers.handler(delivery.envelope, handler: delivery.handler, endpoint: delivery.endpoint) {
            try await attemptBare(delivery, timeout: timeout)
        }
    }

    @inline(__always)
    private func attemptBare(_ delivery: Delivery, timeout: Duration?) async throws {
        let target = delivery.target
        let envelope = delivery.envelope
        let endpoint = delivery.endpoint
        let app = self.app
        guard let timeout else {
            try await app.withContainer { container in try await target.execute(envelope, endpoint: endpoint, in: container) }
            return
        }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await app.withContainer { container in try await target.execute(envelope, endpoint: endpoint, in: container) }
                return true
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), first else {
                throw HandlerTimeout(handler: target.handlerName, timeout: timeout)
            }
        }
    }

    private func log(_ delivery: Delivery, error: any Error, retrying: Bool) {
        logger.warning(
            retrying ? "Routed handler failed; will retry" : "Routed handler failed; no retries left",
            metadata: metadata(delivery, error))
    }

    func metadata(_ delivery: Delivery, _ error: any Error) -> Logger.Metadata {
        [
            WakuLogMetadata.Key.messageID: "\(delivery.envelope.messageId)",
            WakuLogMetadata.Key.correlationID: "\(delivery.envelope.correlationId)",
            WakuLogMetadata.Key.messageType: "\(delivery.envelope.messageType)",
            WakuLogMetadata.Key.handler: "\(delivery.handler)",
            WakuLogMetadata.Key.endpoint: "\(delivery.endpoint)",
            WakuLogMetadata.Key.attempt: "\(delivery.attempts)",
            WakuLogMetadata.Key.error: "\(error)",
        ]
    }
}
