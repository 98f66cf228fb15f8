import Atomics
import DequeModule
import Waku

/// A bounded multi-producer, multi-consumer queue of deliveries, in memory.
///
/// Producers wait for space (backpressure) or fail fast; consumers wait for work and take it in
/// small batches, so a busy queue costs a consumer one lock per batch rather than per delivery
/// (with two cores, producer and consumer otherwise meet on the lock at almost every message).
/// Closing stops producers at once and lets consumers drain what is left, retries included.
///
/// A delivery waiting for a retry is held here, off the workers, and put back at the end of the
/// queue when its backoff has passed (``retry(_:after:)``): a failing handler never keeps a
/// worker from the deliveries behind it.
final class DeliveryQueue: Sendable {
    enum Offer {
        case accepted
        case full
        case closed
    }

    /// A delivery waiting for its retry, and the timer that puts it back when it is due.
    private struct Retry {
        let delivery: Delivery
        var timer: Task<Void, Never>?
    }

    private struct State {
        var buffer = Deque<Delivery>()
        var consumers = Deque<CheckedContinuation<Delivery?, Never>>()
        var producers = Deque<(Delivery, CheckedContinuation<Void, any Error>)>()
        /// Deliveries waiting for their retry, by ticket (tickets grow in scheduling order).
        var retrying: [UInt64: Retry] = [:]
        var nextTicket: UInt64 = 0
        var closed = false
        /// Set by ``abandon()``: nothing more is held for a retry.
        var abandoned = false

        /// Deliveries the queue holds: buffered, or waiting for a retry. Capacity bounds this, so
        /// deliveries that keep failing hold back producers instead of piling up in memory.
        var held: Int { buffer.count + retrying.count }
        /// Closed with nothing left to hand out, and nothing a retry could bring back.
        var isDrained: Bool { closed && buffer.isEmpty && retrying.isEmpty }
    }

    let capacity: Int
    /// How far below capacity the buffer drains before waiting producers are let in.
    private let resumeSlack: Int
    private let state = Locked(State(), spinning: true)
    /// Deliveries consumers took and have not reported ``finished(_:)``; raised under the lock as
    /// they are taken, so ``close(producerError:)`` sees every delivery either here or buffered.
    private let claimedCount = ManagedAtomic(0)

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        resumeSlack = max(1, min(self.capacity / 4, 256))
    }

    /// Deliveries waiting: buffered, waiting for a retry, or with a producer waiting for room.
    var count: Int { state.withLock { $0.held + $0.producers.count } }

    /// Deliveries waiting for a retry.
    var retrying: Int { state.withLock { $0.retrying.count } }

    /// Deliveries taken by consumers and not finished yet.
    var claimed: Int { claimedCount.load(ordering: .relaxed) }

    /// Reports that a consumer is done with `count` deliveries it took.
    func finished(_ count: Int) {
        claimedCount.wrappingDecrement(by: count, ordering: .relaxed)
    }

    /// Under the lock: hands `delivery` to a waiting consumer (returned, to resume after the lock)
    /// or buffers it if there is room; `.full` leaves the state as it was.
    private func place(_ delivery: Delivery, in state: inout State) -> (Offer, CheckedContinuation<Delivery?, Never>?) {
        if state.closed { return (.closed, nil) }
        if let consumer = state.consumers.popFirst() {
            claimedCount.wrappingIncrement(ordering: .relaxed)
            return (.accepted, consumer)
        }
        // Behind producers already waiting, a new one waits too: they go first.
        if state.producers.isEmpty, state.held < capacity {
            state.buffer.append(delivery)
            return (.accepted, nil)
        }
        return (.full, nil)
    }

    /// Adds without waiting: hands the delivery to a waiting consumer, or buffers it if there is room.
    func offer(_ delivery: Delivery) -> Offer {
        let (result, consumer) = state.withLock { place(delivery, in: &$0) }
        consumer?.resume(returning: delivery)
        return result
    }

    /// Adds, waiting for space when full. Throws `closedError` if the queue is or gets closed.
    func enqueue(_ delivery: Delivery, closedError: @autoclosure () -> any Error) async throws {
        switch offer(delivery) {
        case .accepted: return
        case .closed: throw closedError()
        case .full: break
        }
        let error = closedError()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let (outcome, consumer) = state.withLock { state in
                // Since `offer`, consumers may have emptied the buffer and started waiting.
                let placed = place(delivery, in: &state)
                if case .full = placed.0 { state.producers.append((delivery, continuation)) }
                return placed
            }
            switch outcome {
            case .accepted:
                consumer?.resume(returning: delivery)
                continuation.resume()
            case .closed: continuation.resume(throwing: error)
            case .full: break  // resumed when a consumer makes room, or on close
            }
        }
    }

    /// Under the lock: moves up to `limit` of the oldest deliveries into `batch`, but no more than
    /// a fair share of the buffer among `workers` consumers, so one consumer never sits on work
    /// the others could run. As that made room, the oldest waiting producers' deliveries move into
    /// the buffer; those producers are returned, to resume after the lock.
    private func take(
        _ state: inout State, into batch: inout Deque<Delivery>, limit: Int, workers: Int
    ) -> [CheckedContinuation<Void, any Error>] {
        let share = (state.buffer.count + workers - 1) / workers
        let count = min(limit, share)
        guard count > 0 else { return [] }
        for _ in 0 ..< count {
            // `count` is at most the buffer's size.
            if let item = state.buffer.popFirst() { batch.append(item) }
        }
        claimedCount.wrappingIncrement(by: count, ordering: .relaxed)
        var released: [CheckedContinuation<Void, any Error>] = []
        // Waiting producers come in once the buffer is down to the low-water mark, then as many as
        // fit: a producer held up by a full queue resumes once per `resumeSlack` deliveries, not
        // once per batch (each resume is a job on the executor, often a thread wake-up).
        guard !state.producers.isEmpty, state.held <= capacity - resumeSlack else { return released }
        while state.held < capacity, let (waiting, continuation) = state.producers.popFirst() {
            state.buffer.append(waiting)
            released.append(continuation)
        }
        return released
    }

    private enum Take {
        case taken([CheckedContinuation<Void, any Error>])
        /// Drained: the caller is done, and so is every consumer still waiting (returned, to
        /// resume with `nil` after the lock). Only a delivery a consumer still runs could come
        /// back, as a retry, and that consumer asks for work again after it.
        case finished(Deque<CheckedContinuation<Delivery?, Never>>)
        case wait
    }

    /// Under the lock: the consumers to release once the queue is drained.
    private static func release(_ state: inout State) -> Deque<CheckedContinuation<Delivery?, Never>> {
        // Handed out as they are (see `close`): no `Array` of a possibly empty deque.
        defer { state.consumers = [] }
        return state.consumers
    }

    /// Moves the next deliveries into `batch`, which the caller has emptied: at least one and at
    /// most `limit` (see ``take(_:into:limit:workers:)`` for the fair share), waiting when the
    /// queue is empty. Returns `false`, with `batch` empty, once the queue is closed and drained.
    /// The caller reports each taken delivery with ``finished(_:)``.
    func next(into batch: inout Deque<Delivery>, limit: Int, workers: Int) async -> Bool {
        let limit = max(1, limit)
        let workers = max(1, workers)
        let take: Take = state.withLock { state in
            let released = self.take(&state, into: &batch, limit: limit, workers: workers)
            if !batch.isEmpty { return .taken(released) }
            return state.isDrained ? .finished(Self.release(&state)) : .wait
        }
        switch take {
        case .taken(let producers):
            for producer in producers { producer.resume() }
            return true
        case .finished(let waiting):
            for consumer in waiting { consumer.resume(returning: nil) }
            return false
        case .wait:
            break
        }
        let delivery: Delivery? = await withCheckedContinuation { continuation in
            // Between the two locks producers may have filled the buffer and parked: taking here
            // must release a parked producer too, or it could wait forever.
            var single = Deque<Delivery>()
            let immediate: Take = state.withLock { state in
                let released = self.take(&state, into: &single, limit: 1, workers: 1)
                if !single.isEmpty { return .taken(released) }
                if state.isDrained { return .finished(Self.release(&state)) }
                state.consumers.append(continuation)
                return .wait
            }
            switch immediate {
            case .taken(let producers):
                for producer in producers { producer.resume() }
                continuation.resume(returning: single.popFirst())
            case .finished(let waiting):
                for consumer in waiting { consumer.resume(returning: nil) }
                continuation.resume(returning: nil)
            case .wait:
                break  // resumed by a producer's offer, a due retry, close, or another consumer's end
            }
        }
        guard let delivery else { return false }
        batch.append(delivery)
        return true
    }

    /// Holds `delivery`, which a consumer took and whose attempt failed, until `delay` has
    /// passed, then puts it back at the end of the queue (or hands it to a waiting consumer). The
    /// consumer still reports it with ``finished(_:)``: from here on it counts as retrying, not
    /// claimed. Returns `false`, holding nothing, once ``abandon()`` ran: the delivery is then
    /// abandoned.
    func retry(_ delivery: Delivery, after delay: Duration) -> Bool {
        let ticket: UInt64? = state.withLock { state in
            guard !state.abandoned else { return nil }
            state.nextTicket += 1
            state.retrying[state.nextTicket] = Retry(delivery: delivery, timer: nil)
            return state.nextTicket
        }
        guard let ticket else { return false }
        // Held before the timer exists, so a timer that fires at once always finds it.
        let timer = Task {
            // Cancelled only by `abandon`, which already took the delivery: `readmit` is then a no-op.
            try? await Task.sleep(for: delay)
            self.readmit(ticket)
        }
        let kept = state.withLock { state -> Bool in
            guard state.retrying[ticket] != nil else { return false }
            state.retrying[ticket]?.timer = timer
            return true
        }
        if !kept { timer.cancel() }
        return true
    }

    /// A retry is due: back at the end of the queue, past capacity if need be (it was admitted
    /// once, and counted while it waited), or straight to a waiting consumer.
    private func readmit(_ ticket: UInt64) {
        let handOff: (CheckedContinuation<Delivery?, Never>, Delivery)? = state.withLock { state in
            guard let retry = state.retrying.removeValue(forKey: ticket) else { return nil }
            if let consumer = state.consumers.popFirst() {
                claimedCount.wrappingIncrement(ordering: .relaxed)
                return (consumer, retry.delivery)
            }
            state.buffer.append(retry.delivery)
            return nil
        }
        if let (consumer, delivery) = handOff { consumer.resume(returning: delivery) }
    }

    /// Stops accepting. Waiting producers fail with `error`; waiting consumers get `nil`, unless
    /// retries are still to come back. Returns how many deliveries the queue still held (they will
    /// be drained), how many consumers had taken and not finished, how many wait for a retry, and
    /// how many waiting producers were refused with `error` (their deliveries never entered the
    /// queue).
    @discardableResult
    func close(producerError error: any Error) -> (buffered: Int, claimed: Int, retrying: Int, refused: Int) {
        // Hands the deques out as they are: `Array(emptyDeque)` writes a zero count into the
        // shared empty-array storage, which ThreadSanitizer reports as a race between queues.
        let (producers, consumers, buffered, claimed, retrying) = state.withLock { state in
            state.closed = true
            defer { state.producers = [] }
            // Consumers wait on while a retry may still come back to them.
            let consumers = state.isDrained ? Self.release(&state) : []
            return (state.producers, consumers, state.buffer.count, self.claimed, state.retrying.count)
        }
        for (_, producer) in producers { producer.resume(throwing: error) }
        for consumer in consumers { consumer.resume(returning: nil) }
        return (buffered, claimed, retrying, producers.count)
    }

    /// Removes and returns everything still buffered or waiting for a retry (whose timers it
    /// cancels); from then on ``retry(_:after:)`` holds nothing. Only after
    /// ``close(producerError:)``, which refused the waiting producers: emptying an open queue
    /// would leave them waiting for a low-water mark no take would reach.
    func abandon() -> [Delivery] {
        let (removed, timers, consumers) = state.withLock { state in
            state.abandoned = true
            let retries = state.retrying.sorted { $0.key < $1.key }.map(\.value)
            let removed = (state.buffer.isEmpty ? [] : Array(state.buffer)) + retries.map(\.delivery)
            state.buffer = []
            state.retrying = [:]
            return (removed, retries.compactMap(\.timer), state.isDrained ? Self.release(&state) : [])
        }
        for timer in timers { timer.cancel() }
        for consumer in consumers { consumer.resume(returning: nil) }
        return removed
    }
}
