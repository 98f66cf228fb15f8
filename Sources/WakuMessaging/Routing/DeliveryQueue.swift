import Atomics
import DequeModule
import Waku

/// A bounded multi-producer, multi-consumer queue of deliveries, in memory.
///
/// Producers wait for space (backpressure) or fail fast; consumers wait for work and take it in
/// small batches, so a busy queue costs a consumer one lock per batch rather than per delivery
/// (with two cores, producer and consumer otherwise meet on the lock at almost every message).
/// Closing stops producers at once and lets consumers drain what is left.
final class DeliveryQueue: Sendable {
    enum Offer {
        case accepted
        case full
        case closed
    }

    private struct State {
        var buffer = Deque<Delivery>()
        var consumers = Deque<CheckedContinuation<Delivery?, Never>>()
        var producers = Deque<(Delivery, CheckedContinuation<Void, any Error>)>()
        var closed = false
    }

    let capacity: Int
    /// How far below capacity the buffer drains before waiting producers are let in.
    private let resumeSlack: Int
    private let state = MessagingLock(State(), spinning: true)
    /// Deliveries consumers took and have not reported ``finished(_:)``; raised under the lock as
    /// they are taken, so ``close(producerError:)`` sees every delivery either here or buffered.
    private let claimedCount = ManagedAtomic(0)

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        resumeSlack = max(1, min(self.capacity / 4, 256))
    }

    var count: Int { state.withLock { $0.buffer.count + $0.producers.count } }

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
        if state.producers.isEmpty, state.buffer.count < capacity {
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
        guard !state.producers.isEmpty, state.buffer.count <= capacity - resumeSlack else { return released }
        while state.buffer.count < capacity, let (waiting, continuation) = state.producers.popFirst() {
            state.buffer.append(waiting)
            released.append(continuation)
        }
        return released
    }

    private enum Take {
        case taken([CheckedContinuation<Void, any Error>])
        case finished
        case wait
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
            return state.closed ? .finished : .wait
        }
        switch take {
        case .taken(let producers):
            for producer in producers { producer.resume() }
            return true
        case .finished:
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
                if state.closed { return .finished }
                state.consumers.append(continuation)
                return .wait
            }
            switch immediate {
            case .taken(let producers):
                for producer in producers { producer.resume() }
                continuation.resume(returning: single.popFirst())
            case .finished:
                continuation.resume(returning: nil)
            case .wait:
                break  // resumed by a producer's offer, or by close
            }
        }
        guard let delivery else { return false }
        batch.append(delivery)
        return true
    }

    /// Stops accepting. Waiting producers fail with `error`; waiting consumers get `nil`.
    /// Returns how many deliveries the queue still held (they will be drained), how many
    /// consumers had taken and not finished, and how many waiting producers were refused with
    /// `error` (their deliveries never entered the queue).
    @discardableResult
    func close(producerError error: any Error) -> (buffered: Int, claimed: Int, refused: Int) {
        // Hands the deques out as they are: `Array(emptyDeque)` writes a zero count into the
        // shared empty-array storage, which ThreadSanitizer reports as a race between queues.
        let (producers, consumers, buffered, claimed) = state.withLock { state in
            state.closed = true
            defer {
                state.producers = []
                state.consumers = []
            }
            return (state.producers, state.consumers, state.buffer.count, self.claimed)
        }
        for (_, producer) in producers { producer.resume(throwing: error) }
        for consumer in consumers { consumer.resume(returning: nil) }
        return (buffered, claimed, producers.count)
    }

    /// Removes and returns everything still buffered. Only after ``close(producerError:)``, which
    /// refused the waiting producers: emptying an open queue would leave them waiting for a
    /// low-water mark no take would reach.
    func removeAll() -> [Delivery] {
        state.withLock { state in
            defer { state.buffer = [] }
            return state.buffer.isEmpty ? [] : Array(state.buffer)
        }
    }
}
