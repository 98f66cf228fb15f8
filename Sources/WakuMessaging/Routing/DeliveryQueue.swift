import DequeModule

/// A bounded multi-producer, multi-consumer queue of deliveries, in memory.
///
/// Producers wait for space (backpressure) or fail fast; consumers wait for work. Closing stops
/// producers at once and lets consumers drain what is left.
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
    private let state = MessagingLock(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { state.withLock { $0.buffer.count + $0.producers.count } }

    /// Adds without waiting: hands the delivery to a waiting consumer, or buffers it if there is room.
    func offer(_ delivery: Delivery) -> Offer {
        let (result, consumer): (Offer, CheckedContinuation<Delivery?, Never>?) = state.withLock { state in
            if state.closed { return (.closed, nil) }
            if let consumer = state.consumers.popFirst() { return (.accepted, consumer) }
            if state.buffer.count < capacity {
                state.buffer.append(delivery)
                return (.accepted, nil)
            }
            return (.full, nil)
        }
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
            let (outcome, consumer): (Offer, CheckedContinuation<Delivery?, Never>?) = state.withLock { state in
                if state.closed { return (.closed, nil) }
                // Since `offer`, consumers may have emptied the buffer and started waiting.
                if let consumer = state.consumers.popFirst() { return (.accepted, consumer) }
                if state.buffer.count < capacity {
                    state.buffer.append(delivery)
                    return (.accepted, nil)
                }
                state.producers.append((delivery, continuation))
                return (.full, nil)
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

    /// Under the lock: pops the oldest delivery and, as that made room, moves the oldest waiting
    /// producer's delivery into the buffer, returning that producer to resume.
    private static func take(_ state: inout State) -> (item: Delivery, producer: CheckedContinuation<Void, any Error>?)? {
        guard let item = state.buffer.popFirst() else { return nil }
        var producer: CheckedContinuation<Void, any Error>?
        if let (waiting, continuation) = state.producers.popFirst() {
            state.buffer.append(waiting)
            producer = continuation
        }
        return (item, producer)
    }

    /// The next delivery, waiting for one; `nil` once the queue is closed and empty.
    func next() async -> Delivery? {
        enum Take {
            case item(Delivery, CheckedContinuation<Void, any Error>?)
            case finished
            case wait
        }
        let take: Take = state.withLock { state in
            if let taken = Self.take(&state) { return .item(taken.item, taken.producer) }
            return state.closed ? .finished : .wait
        }
        switch take {
        case .item(let delivery, let producer):
            producer?.resume()
            return delivery
        case .finished:
            return nil
        case .wait:
            return await withCheckedContinuation { continuation in
                // Between the two locks producers may have filled the buffer and parked: taking
                // here must release a parked producer too, or it could wait forever.
                let immediate: Take = state.withLock { state in
                    if let taken = Self.take(&state) { return .item(taken.item, taken.producer) }
                    if state.closed { return .finished }
                    state.consumers.append(continuation)
                    return .wait
                }
                switch immediate {
                case .item(let delivery, let producer):
                    producer?.resume()
                    continuation.resume(returning: delivery)
                case .finished:
                    continuation.resume(returning: nil)
                case .wait:
                    break  // resumed by a producer's offer, or by close
                }
            }
        }
    }

    /// Stops accepting. Waiting producers fail with `error`; waiting consumers get `nil`.
    /// Returns how many deliveries the queue still held (they will be drained) and how many
    /// waiting producers were refused with `error` (their deliveries never entered the queue).
    @discardableResult
    func close(producerError error: any Error) -> (buffered: Int, refused: Int) {
        // Hands the deques out as they are: `Array(emptyDeque)` writes a zero count into the
        // shared empty-array storage, which ThreadSanitizer reports as a race between queues.
        let (producers, consumers, buffered) = state.withLock { state in
            state.closed = true
            defer {
                state.producers = []
                state.consumers = []
            }
            return (state.producers, state.consumers, state.buffer.count)
        }
        for (_, producer) in producers { producer.resume(throwing: error) }
        for consumer in consumers { consumer.resume(returning: nil) }
        return (buffered, producers.count)
    }

    /// Removes and returns everything still buffered.
    func removeAll() -> [Delivery] {
        state.withLock { state in
            defer { state.buffer = [] }
            return state.buffer.isEmpty ? [] : Array(state.buffer)
        }
    }
}
