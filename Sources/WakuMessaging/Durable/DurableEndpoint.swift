import Atomics
import Foundation
public import Logging
import Waku

/// An endpoint whose deliveries are persisted in a ``DurableStore`` before anything runs.
///
/// Guarantee: at-least-once across crashes. A worker claims a batch of due rows under a claim
/// token and a lease, runs each handler in a fresh request scope outside any store transaction,
/// then finalizes the batch; the finalize acts only on rows its claim still holds. While the
/// batch is held, a heartbeat extends its lease (every fifth of ``EndpointConfig/lease``), so a
/// live handler is never handed to another worker however long it runs; a process that dies
/// stops extending, and its rows are claimable again within one lease. A delivery therefore
/// runs twice only when its process dies, or loses the database for longer than the lease,
/// between the start of its handler and the commit of its finalize.
///
/// Failures are retried by rescheduling the row (persisted, not slept in memory), then
/// dead-lettered in the store. When the store is unreachable, workers back off and retry;
/// nothing is dropped, and dispatches fail with the store's error instead of losing messages.
///
/// ``stop()`` is bounded: it waits `stopTimeout` for the running batch, then cancels its
/// handlers, waits at most ``stopGrace`` more, and releases every row this endpoint still holds
/// without spending an attempt, so another worker takes them at once.
public final class DurableEndpoint: Endpoint {
    /// The endpoint's configuration: concurrency, batch size, lease, poll interval and error
    /// policies.
    public let config: EndpointConfig
    /// The store the endpoint's deliveries are persisted in and claimed from.
    public let store: any DurableStore
    /// This process's lease owner id.
    public let owner: String
    /// The endpoint's name, from ``config``; also the `endpoint` column of its rows.
    public var name: String { config.name }
    private let logger: Logger
    private let wake = Locked<CheckedContinuation<Void, Never>?>(nil)
    private let woken = ManagedAtomic(false)
    private let stopping = ManagedAtomic(false)
    private let started = ManagedAtomic(false)
    private let running = ManagedAtomic(0)
    private let loop = Locked<Task<Void, Never>?>(nil)
    /// Set at start: where outbox deliveries that roll back are reported.
    private let processor = Locked<DeliveryProcessor?>(nil)
    private let heartbeat = Locked<Task<Void, Never>?>(nil)
    /// Claims taken and not yet finalized: the heartbeat extends their leases.
    private let held = Locked<Set<ClaimToken>>([])
    /// Deliveries interrupted by a stop (cancelled, or never started), released for redelivery.
    private let interrupted = ManagedAtomic(0)
    private let processed = ManagedAtomic(0)
    /// Rows this process made claimable for this endpoint (local publishes), counted so a worker
    /// can tell whether a full batch is waiting.
    private let arrived = ManagedAtomic(0)

    /// How long after a claim that came back short (some rows, not a full batch) the worker
    /// waits for more rows before claiming again, unless a full batch arrives sooner. Without
    /// it a worker that keeps up claims one or two rows per round trip and spends the database's
    /// time on claims and finalizes instead of on deliveries. It bounds the delay it adds to a
    /// delivery; an idle endpoint still claims at once when woken.
    static let batchLinger: Duration = .milliseconds(1)

    /// How long ``stop()`` waits, after `stopTimeout`, for cancelled handlers to end and for the
    /// store to release this endpoint's rows. A handler that ignores cancellation is left
    /// running; its row is released all the same and its late finalize changes nothing.
    public static let stopGrace: Duration = .seconds(1)

    /// How often held claims are extended: five times per lease, so a lease survives four missed
    /// heartbeats (a slow database) before another worker may take the rows.
    var heartbeatInterval: Duration { max(config.lease / 5, .milliseconds(10)) }

    /// An endpoint for `config` over `store`, with a lease owner id unique to this process and
    /// instance.
    public init(_ config: EndpointConfig, store: any DurableStore, logger: Logger = Logger(label: "waku.endpoint.durable")) {
        self.config = config
        self.store = store
        self.logger = logger
        owner = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
    }

    public var depth: Int { 0 }
    public var inFlight: Int { running.load(ordering: .relaxed) }

    public func enqueue(_ delivery: Delivery) async throws {
        guard !stopping.load(ordering: .acquiring) else {
            throw EndpointStopped(endpoint: name, messageType: delivery.target.messageType)
        }
        let row = try Self.row(for: delivery, partitionBy: config.partitionBy)
        if let transaction = ActiveUnitOfWork.current as? any DurableTransaction,
           transaction.storeIdentity == ObjectIdentifier(store as AnyObject) {
            // Outbox: written with the business data; visible to workers once it commits.
            try await transaction.insert([row])
            if let ledger = OutboxLedger.current, let processor = processor.withLock({ $0 }), processor.layers.isObserved {
                // Rolled back, the row never existed: observers waiting for it hear it ended.
                ledger.onRollback { processor.observe { $0.deliveryFinished(delivery, outcome: .abandoned, error: nil) } }
            }
        } else {
            try await store.insert([row])
            arrived.wrappingIncrement(ordering: .relaxed)
            signal()
        }
    }

    static func row(for delivery: Delivery, partitionBy: (@Sendable (any IMessage) -> String?)?) throws -> StoredDelivery {
        let envelope = delivery.envelope
        guard let codec = delivery.target.codec else {
            throw MessageEncodingError(expected: "Codable \(delivery.target.messageType)")
        }
        return StoredDelivery(
            messageId: envelope.messageId, correlationId: envelope.correlationId, causationId: envelope.causationId,
            messageType: delivery.target.messageType, handler: delivery.target.handlerName, endpoint: delivery.endpoint,
            payload: try codec.encode(envelope.payload), headers: envelope.headers,
            timestamp: envelope.timestamp, groupId: delivery.options.groupId ?? partitionBy?(envelope.payload),
            availableAt: delivery.options.scheduledAt ?? Date())
    }

    /// Wakes an idle worker loop: new local work was committed.
    func signal() {
        woken.store(true, ordering: .releasing)
        let waiter = wake.withLock { value -> CheckedContinuation<Void, Never>? in defer { value = nil }; return value }
        waiter?.resume()
    }

    public func start(processor: DeliveryProcessor) async throws {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        self.processor.withLock { $0 = processor }
        DurableWakeups.register(store as AnyObject, endpoint: name) { [weak self] in self?.signal() }
        let task = Task { await run(processor) }
        loop.withLock { $0 = task }
        let beat = Task { [weak self] in
            while let interval = self?.heartbeatInterval {
                do { try await Task.sleep(for: interval) } catch { return }
                await self?.extendHeldLeases()
            }
        }
        heartbeat.withLock { $0 = beat }
    }

    /// Extends the lease of every claim this endpoint holds (claimed, not yet finalized).
    private func extendHeldLeases() async {
        let tokens = held.withLock { Array($0) }
        guard !tokens.isEmpty else { return }
        do {
            try await store.extendLeases(tokens, lease: config.lease)
        } catch {
            logger.warning("Could not extend leases; the rows go to another worker if the store stays unreachable for the lease",
                           metadata: [
                               WakuLogMetadata.Key.endpoint: "\(name)",
                               WakuLogMetadata.Key.error: "\(error)",
                               WakuLogMetadata.Key.lease: "\(config.lease)",
                           ])
        }
    }

    /// Claims, runs and finalizes batches until stopped.
    ///
    /// The finalize of one batch overlaps the claim and the handlers of the next: at most one
    /// finalize is in flight, and the loop waits for it before starting another, before idling
    /// and before it ends (so `stop()` still returns only after every finalize). This is safe for
    /// per-group order: a handled row stays pending and leased until its finalize commits, so
    /// the claim running meanwhile can neither take it again nor take the next row of its group.
    private func run(_ processor: DeliveryProcessor) async {
        var outageBackoff = Duration.milliseconds(100)
        var finalizing: Task<Void, Never>?
        while !stopping.load(ordering: .acquiring), !Task.isCancelled {
            let claimedAt = ContinuousClock.now
            let arrivedBefore = arrived.load(ordering: .relaxed)
            let batch: [StoredDelivery]
            let token = ClaimToken()
            held.withLock { _ = $0.insert(token) }
            do {
                batch = try await store.claim(endpoint: name, owner: owner, token: token, limit: max(1, config.batchSize), lease: config.lease)
                outageBackoff = .milliseconds(100)
            } catch {
                held.withLock { _ = $0.remove(token) }
                await finalizing?.value
                finalizing = nil
                logger.warning("Durable store unavailable; backing off",
                               metadata: [
                                   WakuLogMetadata.Key.endpoint: "\(name)",
                                   WakuLogMetadata.Key.error: "\(error)",
                                   WakuLogMetadata.Key.backoff: "\(outageBackoff)",
                               ])
                try? await Task.sleep(for: outageBackoff)
                outageBackoff = min(outageBackoff * 2, .seconds(5))
                continue
            }
            if batch.isEmpty {
                held.withLock { _ = $0.remove(token) }
                if let pending = finalizing {
                    // Rows the finalize releases (the next of a group) may be claimable after it.
                    await pending.value
                    finalizing = nil
                    continue
                }
                await idle()
                continue
            }
            let results = await process(batch, processor)
            await finalizing?.value
            finalizing = Task {
                await self.finalize(results, token: token, processor: processor)
                // Rows interrupted by a stop stay held until `stop()` releases them.
                self.held.withLock { _ = $0.remove(token) }
            }
            if batch.count < config.batchSize {
                await linger(until: claimedAt + Self.batchLinger, arrivedBefore: arrivedBefore)
            }
        }
        await finalizing?.value
    }

    /// After a short claim: waits until `deadline`, or until a full batch arrived locally since
    /// the claim, or until stopping, whichever comes first.
    private func linger(until deadline: ContinuousClock.Instant, arrivedBefore: Int) async {
        let batchSize = max(1, config.batchSize)
        while !stopping.load(ordering: .relaxed), !Task.isCancelled,
              arrived.load(ordering: .relaxed) &- arrivedBefore < batchSize {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return }
            try? await Task.sleep(for: min(left, .microseconds(250)))
        }
    }

    /// Sleeps until signalled or the poll interval passes.
    private func idle() async {
        if woken.exchange(false, ordering: .acquiringAndReleasing) { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [wake, woken] in
                await withCheckedContinuation { continuation in
                    // A signal that came after the check above set `woken` before it looked for
                    // a waiter: read under the same lock, it cannot slip between the two.
                    let resumeNow = wake.withLock { value -> Bool in
                        if value != nil || woken.load(ordering: .acquiring) { return true }
                        value = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask { [interval = config.pollInterval] in
                try? await Task.sleep(for: interval)
            }
            await group.next()
            // Release whichever is still waiting.
            let waiter = wake.withLock { value -> CheckedContinuation<Void, Never>? in defer { value = nil }; return value }
            waiter?.resume()
            group.cancelAll()
        }
        woken.store(false, ordering: .releasing)
    }

    private enum Result: Sendable {
        case handled(Int64, Delivery)
        case failed(StoredDelivery, Delivery?, String)
        /// Cancelled by a stop, or never started: not an attempt; released by `stop()`.
        case interrupted
        /// Behind a failed delivery of its group in this claim: not attempted, released at once
        /// so that the group goes on in order after the retry.
        case notAttempted(Int64)
    }

    /// Runs a claimed batch with at most `concurrency` handlers at once; returns the outcomes to
    /// finalize. A claim may hold a run of a group (its head and the rows behind it): that run
    /// goes one delivery at a time, in order, while other groups and ungrouped rows run beside it.
    private func process(_ batch: [StoredDelivery], _ processor: DeliveryProcessor) async -> [Result] {
        var chains: [[StoredDelivery]] = []
        var chainOfGroup: [String: Int] = [:]
        for row in batch {
            guard let group = row.groupId else {
                chains.append([row])
                continue
            }
            if let index = chainOfGroup[group] {
                chains[index].append(row)
            } else {
                chainOfGroup[group] = chains.count
                chains.append([row])
            }
        }
        var results: [Result] = []
        await withTaskGroup(of: [Result].self) { group in
            var iterator = chains.makeIterator()
            var active = 0
            func addNext() -> Bool {
                guard let chain = iterator.next() else { return false }
                group.addTask { [self] in await execute(chain, processor: processor) }
                return true
            }
            while active < max(1, config.concurrency), addNext() { active += 1 }
            while let chainResults = await group.next() {
                results += chainResults
                if !addNext() { active -= 1 }
            }
        }
        return results
    }

    /// Runs a group's run in order. When a delivery fails, the rest is not attempted: it is
    /// released, and the failed delivery's retry keeps its place at the head of the group. A row
    /// that cannot be delivered at all (dead-lettered at once) leaves the group, which goes on.
    private func execute(_ chain: [StoredDelivery], processor: DeliveryProcessor) async -> [Result] {
        var results: [Result] = []
        for (index, row) in chain.enumerated() {
            let result = await execute(row, processor: processor)
            results.append(result)
            let rest = chain[(index + 1)...]
            switch result {
            case .handled, .notAttempted:
                continue
            case .failed(_, let delivery, _):
                if delivery == nil { continue }
                results += rest.map { .notAttempted($0.id) }
            case .interrupted:
                interrupted.wrappingIncrement(by: rest.count, ordering: .relaxed)
                results += rest.map { _ in .interrupted }
            }
            return results
        }
        return results
    }

    private func execute(_ row: StoredDelivery, processor: DeliveryProcessor) async -> Result {
        guard let target = processor.invoker(messageType: row.messageType, handler: row.handler) else {
            return .failed(row, nil, "unknown message type or handler: no handler '\(row.handler)' is bound for '\(row.messageType)' in this application")
        }
        let message: any IMessage
        do {
            guard let codec = target.codec else { throw MessageEncodingError(expected: "Codable \(row.messageType)") }
            message = try codec.decode(row.payload)
        } catch {
            return .failed(row, nil, "payload no longer decodes as \(row.messageType): \(error)")
        }
        let envelope = MessageEnvelope(
            messageId: row.messageId, correlationId: row.correlationId, causationId: row.causationId,
            messageType: row.messageType, timestamp: row.timestamp, payload: message, headers: row.headers)
        var delivery = Delivery(envelope: envelope, target: target, endpoint: name, attempts: row.attempts,
                                options: DeliveryOptions(groupId: row.groupId))
        delivery.storedID = row.id
        if stopping.load(ordering: .acquiring), Task.isCancelled {
            // Never started: released by `stop()` for another run; it ends here for observers.
            interrupted.wrappingIncrement(ordering: .relaxed)
            processor.observe { $0.deliveryFinished(delivery, outcome: .abandoned, error: nil) }
            return .interrupted
        }
        running.wrappingIncrement(ordering: .relaxed)
        defer { running.wrappingDecrement(ordering: .relaxed) }
        do {
            try await processor.attempt(delivery, timeout: config.policy(for: target.messageID).attemptTimeout)
            processor.observe { $0.handlerSucceeded(envelope, handler: delivery.handler, endpoint: name) }
            return .handled(row.id, delivery)
        } catch {
            if stopping.load(ordering: .acquiring), Task.isCancelled {
                // Cancelled by the stop: not the handler's failure, and no attempt spent.
                interrupted.wrappingIncrement(ordering: .relaxed)
                processor.observe { $0.deliveryFinished(delivery, outcome: .abandoned, error: error) }
                return .interrupted
            }
            return .failed(row, delivery, String(describing: error))
        }
    }

    private func finalize(_ results: [Result], token: ClaimToken, processor: DeliveryProcessor) async {
        var handled: [Int64] = []
        var handledDeliveries: [Delivery] = []
        var notAttempted: [Int64] = []
        for result in results {
            switch result {
            case .handled(let id, let delivery):
                handled.append(id)
                handledDeliveries.append(delivery)
            case .failed(let row, let delivery, let error):
                await fail(row, delivery: delivery, error: error, token: token, processor: processor)
            case .interrupted:
                break
            case .notAttempted(let id):
                notAttempted.append(id)
            }
        }
        if !notAttempted.isEmpty {
            let ids = notAttempted
            _ = await withStoreRetry("release") { try await self.store.release(ids, token: token) }
        }
        if !handled.isEmpty {
            // Finalize in one round trip; on an outage keep trying until the lease would expire.
            let ids = handled
            let completed = await withStoreRetry("complete") { try await self.store.complete(ids, token: token) }
            if let completed, completed < ids.count { superseded(ids.count - completed, step: "complete") }
            processed.wrappingIncrement(by: handled.count, ordering: .relaxed)
            for delivery in handledDeliveries {
                processor.observe { $0.deliveryFinished(delivery, outcome: .handled, error: nil) }
            }
        }
    }

    /// A finalize found rows its claim no longer holds: the lease expired (the store was
    /// unreachable for longer than the lease) or a stop released them, and another claim owns
    /// them now. Its handler ran; the newer claim runs it again (at-least-once).
    private func superseded(_ count: Int, step: String) {
        logger.warning("Claim expired before its finalize; the deliveries belong to a newer claim and will run again",
                       metadata: [
                           WakuLogMetadata.Key.endpoint: "\(name)",
                           WakuLogMetadata.Key.finalize: "\(step)",
                           WakuLogMetadata.Key.deliveries: "\(count)",
                       ])
    }

    private func fail(_ row: StoredDelivery, delivery: Delivery?, error: String, token: ClaimToken, processor: DeliveryProcessor) async {
        // Claims count attempts, so `row.attempts` includes this one.
        // Without a delivery the row could not even be decoded or matched to a handler.
        let decision = RetryDecision.after(
            attempt: row.attempts, failure: delivery == nil ? .undeliverable : .handler,
            policy: delivery.map { config.policy(for: $0.target.messageID) } ?? .deadLetter, now: Date(), jitter: RetryDecision.randomJitter())
        let metadata: Logger.Metadata = [
            WakuLogMetadata.Key.messageID: "\(row.messageId)",
            WakuLogMetadata.Key.messageType: "\(row.messageType)",
            WakuLogMetadata.Key.handler: "\(row.handler)",
            WakuLogMetadata.Key.endpoint: "\(name)",
            WakuLogMetadata.Key.attempt: "\(row.attempts)",
            WakuLogMetadata.Key.error: "\(error)",
        ]
        if let delivery {
            processor.observe {
                $0.handlerFailed(delivery.envelope, handler: delivery.handler, endpoint: name, error: DurableFailure(description: error),
                                 attempt: row.attempts, willRetry: decision.retries)
            }
        }
        switch decision {
        case .retry(_, let availableAt):
            logger.warning("Durable handler failed; retry persisted", metadata: metadata)
            let changed = await withStoreRetry("retry") {
                try await self.store.retry(row.id, token: token, availableAt: availableAt, error: error)
            }
            if changed == false { superseded(1, step: "retry") }
        case .discard:
            logger.warning("Durable delivery discarded after \(row.attempts) attempt(s)", metadata: metadata)
            let changed = await withStoreRetry("complete") { try await self.store.complete([row.id], token: token) }
            if changed == 0 { superseded(1, step: "discard") }
            if let delivery { processor.observe { $0.deliveryFinished(delivery, outcome: .discarded, error: DurableFailure(description: error)) } }
        case .deadLetter:
            logger.error("Durable delivery dead-lettered after \(row.attempts) attempt(s)", metadata: metadata)
            let changed = await withStoreRetry("dead-letter") { try await self.store.deadLetter(row.id, token: token, error: error) }
            if changed == false { superseded(1, step: "dead-letter") }
            if let delivery { processor.observe { $0.deliveryFinished(delivery, outcome: .deadLettered, error: DurableFailure(description: error)) } }
        }
    }

    /// Retries a finalize through a store outage, for up to the lease; after that another worker
    /// will redeliver the row anyway (at-least-once). Returns the finalize's result, or `nil`
    /// when it gave up.
    private func withStoreRetry<R: Sendable>(_ step: String, _ body: @escaping @Sendable () async throws -> R) async -> R? {
        let deadline = ContinuousClock.now + config.lease
        var backoff = Duration.milliseconds(50)
        while true {
            do {
                return try await body()
            } catch {
                if ContinuousClock.now + backoff > deadline {
                    logger.error("Giving up finalize (\(step)); the lease will expire and the delivery will be redelivered",
                                 metadata: [WakuLogMetadata.Key.endpoint: "\(name)", WakuLogMetadata.Key.error: "\(error)"])
                    return nil
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(2))
            }
        }
    }

    public func stop() async -> EndpointStopReport {
        stopping.store(true, ordering: .releasing)
        signal()
        let task = loop.withLock { $0 }
        let before = processed.load(ordering: .relaxed)
        var stillRunning = 0
        if let task, await !firstOf({ await task.value }, orTimeout: config.stopTimeout) {
            // Cancel the running batch: its handlers see cancellation, the rest never start.
            // Cancellation is cooperative, so wait for it at most half the grace; a handler that
            // ignores it is left running and its row is released below all the same.
            task.cancel()
            if await !firstOf({ await task.value }, orTimeout: Self.stopGrace / 2) { stillRunning = inFlight }
        }
        heartbeat.withLock { $0 }?.cancel()
        // Release whatever this endpoint still holds (interrupted, never started, or running
        // past the grace), giving the attempt back: another process takes the rows at once
        // instead of waiting for the lease to expire. Bounded too: during an outage the leases
        // expire on their own.
        let store = self.store
        let owner = self.owner
        let logger = self.logger
        let name = self.name
        let released = await firstOf({
            do {
                try await store.release(owner: owner)
            } catch {
                logger.warning("Could not release leases at stop; they will expire", metadata: [
                    WakuLogMetadata.Key.endpoint: "\(name)",
                    WakuLogMetadata.Key.error: "\(error)",
                ])
            }
        }, orTimeout: Self.stopGrace / 2)
        if !released {
            logger.warning("Releasing leases at stop took too long; they will expire", metadata: [WakuLogMetadata.Key.endpoint: "\(name)"])
        }
        let drained = processed.load(ordering: .relaxed) - before
        let abandoned = interrupted.load(ordering: .relaxed) + stillRunning
        if abandoned > 0 {
            logger.warning("Durable endpoint stopped; unfinished deliveries were released for redelivery",
                           metadata: [WakuLogMetadata.Key.endpoint: "\(name)", WakuLogMetadata.Key.unfinished: "\(abandoned)"])
        }
        return EndpointStopReport(endpoint: name, drained: drained, abandoned: abandoned)
    }
}

/// A durable handler failure as observers see it (the original error is stored as text).
struct DurableFailure: Error, CustomStringConvertible {
    let description: String
}
