import Atomics
import DequeModule
public import Logging
import Waku

/// An in-memory endpoint: a bounded queue drained by `concurrency` background workers.
///
/// Guarantee: at-most-once across a crash. Queued deliveries live only in this process's memory;
/// a crash or a stop that exceeds `stopTimeout` loses them (the stop reports how many).
///
/// A failed delivery that its policy retries waits for its backoff off the workers, then goes
/// back at the end of the queue: a failing handler never holds up the deliveries behind it. An
/// ``EndpointConfig/ordered`` endpoint instead sleeps through each backoff on its single worker,
/// keeping strict FIFO at that price.
public final class LocalQueueEndpoint: Endpoint {
    /// The endpoint's configuration: concurrency, capacity, stop timeout and error policies.
    public let config: EndpointConfig
    /// The endpoint's name, from ``config``.
    public var name: String { config.name }
    let queue: DeliveryQueue
    private let workers = MessagingLock<[Task<Int, Never>]>([])
    /// Set at start: reports deliveries a stop abandons to the runtime's observers.
    private let processor = MessagingLock<DeliveryProcessor?>(nil)
    private let started = ManagedAtomic(false)
    /// Set by a stop that timed out, before it cancels the workers: they then drop what is left
    /// in their batches, counting it in `cutOff`. A flag, not `Task.isCancelled`, which costs a
    /// reference count per delivery.
    private let abandoning = ManagedAtomic(false)
    /// Deliveries a timed-out stop cut off: dropped from a worker's batch, ended by its
    /// cancellation, or failed after it with a retry left. Raised before the worker reports them
    /// finished, so a stop that reads the in-flight count first never misses one.
    private let cutOff = ManagedAtomic(0)
    private let logger: Logger
    /// The most deliveries a worker takes from the queue at once (it takes fewer when the other
    /// workers' fair share would be smaller).
    static let batchLimit = 16

    /// An endpoint for `config`, with a queue of `config.capacity` deliveries; workers start with
    /// ``start(processor:)``.
    public init(_ config: EndpointConfig, logger: Logger = Logger(label: "waku.endpoint")) {
        self.config = config
        queue = DeliveryQueue(capacity: config.capacity)
        self.logger = logger
    }

    /// Deliveries waiting: queued, waiting for a retry, or with a dispatch waiting for room.
    public var depth: Int { queue.count }
    /// Deliveries the workers have taken from the queue and not finished: running, or next in a
    /// worker's batch.
    public var inFlight: Int { queue.claimed }
    /// Deliveries waiting for a retry's backoff to pass (counted in ``depth`` too).
    public var retrying: Int { queue.retrying }

    public func start(processor: DeliveryProcessor) async throws {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        self.processor.withLock { $0 = processor }
        let tasks = (0 ..< max(1, config.concurrency)).map { _ in
            Task { [queue, config, abandoning, cutOff] in
                var processed = 0
                var batch = Deque<Delivery>()
                let workers = max(1, config.concurrency)
                while await queue.next(into: &batch, limit: Self.batchLimit, workers: workers) {
                    while var delivery = batch.popFirst() {
                        if abandoning.load(ordering: .relaxed) {
                            cutOff.wrappingIncrement(by: batch.count + 1, ordering: .relaxed)
                            processor.abandoned(delivery)
                            for dropped in batch { processor.abandoned(dropped) }
                            queue.finished(batch.count + 1)
                            batch.removeAll()
                            break
                        }
                        let step = await processor.process(
                            &delivery, policy: config.policy(for: delivery.target.messageID), retryInPlace: config.ordered)
                        switch step {
                        case .finished(let outcome):
                            if outcome == .abandoned { cutOff.wrappingIncrement(ordering: .relaxed) }
                        case .retry(let backoff):
                            // Held by the queue until due; refused once a timed-out stop gave up.
                            if !queue.retry(delivery, after: backoff) {
                                cutOff.wrappingIncrement(ordering: .relaxed)
                                processor.abandoned(delivery)
                            }
                        }
                        queue.finished(1)
                        processed += 1
                    }
                }
                return processed
            }
        }
        workers.withLock { $0 = tasks }
    }

    public func enqueue(_ delivery: Delivery) async throws {
        guard started.load(ordering: .acquiring) else { throw EndpointNotStarted(endpoint: name) }
        if delivery.options.scheduledAt != nil {
            throw DeliveryOptionNotSupported(endpoint: name, option: "a delay or scheduled time")
        }
        switch config.whenFull {
        case .wait:
            try await queue.enqueue(delivery, closedError: EndpointStopped(endpoint: name, messageType: delivery.target.messageType))
        case .fail:
            switch queue.offer(delivery) {
            case .accepted: return
            case .closed: throw EndpointStopped(endpoint: name, messageType: delivery.target.messageType)
            case .full: throw EndpointFull(endpoint: name, capacity: config.capacity)
            }
        }
    }

    public func stop() async -> EndpointStopReport {
        // Producers still waiting for room are refused (they get `EndpointStopped`), so only what
        // the queue held, what was running and what waits for a retry count as pending.
        let closed = queue.close(producerError: EndpointStopped(endpoint: name, messageType: "(any)"))
        let pending = closed.buffered + closed.claimed + closed.retrying
        let tasks = workers.withLock { $0 }
        // Workers end once the queue is empty and no retry can come back: retries due within the
        // stop timeout are drained like any other delivery.
        let drainedInTime = await firstOf(
            { for task in tasks { _ = await task.value } },
            orTimeout: config.stopTimeout)
        var abandoned = 0
        if !drainedInTime {
            // Workers stop starting deliveries from their batches; the queue is emptied, retries
            // waiting for their backoff included, before they are cancelled, so none can take
            // more work.
            abandoning.store(true, ordering: .relaxed)
            let removed = queue.abandon()
            if let processor = processor.withLock({ $0 }) {
                for delivery in removed { processor.abandoned(delivery) }
            }
            for task in tasks { task.cancel() }
            // Cancellation is cooperative: give in-flight handlers one more stop timeout to unwind,
            // but never wait for one that ignores it, or stop (and app close) would never return.
            _ = await firstOf({ for task in tasks { _ = await task.value } }, orTimeout: config.stopTimeout)
            // Counted once the workers settled: a delivery that finished meanwhile, even one a
            // worker started just before the flag was set, was drained, not abandoned. Still
            // running (its handler ignores cancellation) counts as abandoned.
            let stillRunning = inFlight
            abandoned = min(pending, removed.count + cutOff.load(ordering: .relaxed) + stillRunning)
        }
        let report = EndpointStopReport(endpoint: name, drained: max(0, pending - abandoned), abandoned: abandoned)
        if abandoned > 0 {
            logger.error(
                "Endpoint stopped with undelivered messages",
                metadata: [
                    WakuLogMetadata.Key.endpoint: "\(name)",
                    WakuLogMetadata.Key.abandoned: "\(abandoned)",
                    WakuLogMetadata.Key.drained: "\(report.drained)",
                ])
        } else {
            logger.debug("Endpoint stopped", metadata: [
                WakuLogMetadata.Key.endpoint: "\(name)",
                WakuLogMetadata.Key.drained: "\(report.drained)",
            ])
        }
        return report
    }
}

/// Waits for `work` or `timeout`, whichever comes first; `true` when `work` finished. `work` keeps
/// running after a timeout (awaiting an unstructured task cannot be cancelled).
package func firstOf(_ work: @escaping @Sendable () async -> Void, orTimeout timeout: Duration) async -> Bool {
    let sleeper = MessagingLock<Task<Void, Never>?>(nil)
    let result = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
        let pending = MessagingLock<CheckedContinuation<Bool, Never>?>(continuation)
        let take: @Sendable () -> CheckedContinuation<Bool, Never>? = { pending.withLock { value -> CheckedContinuation<Bool, Never>? in defer { value = nil }; return value } }
        Task {
            await work()
            take()?.resume(returning: true)
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            take()?.resume(returning: false)
        }
        sleeper.withLock { $0 = timer }
    }
    sleeper.withLock { $0 }?.cancel()
    return result
}
