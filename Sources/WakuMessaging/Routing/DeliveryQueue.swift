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
            let outcome: Offer = state.withLock { state in
                if state.closed { return .closed }
                if state.buffer.count < capacity {
                    state.buffer.append(delivery)
                    return .accepted
                }
                state.producers.append((delivery, continuation))
                return .full
            }
            switch outcome {
            case .accepted: continuation.resume()
            case .closed: continuation.resume(throwing: error)
            case .full: break  // resumed when a consumer makes room, or on close
            }
        }
    }

    /// The next delivery, waiting for one; `nil` once the queue is closed and empty.
    func next() async -> Delivery? {
        enum Take {
            case item(Delivery, CheckedContinuation<Void, any Error>?)
            case finished
            case wait
        }
        let take: Take = state.withLock { state in
            if let item = state.buffer.popFirst() {
                // Room opened: move a waiting producer's delivery into the buffer.
                var producer: CheckedContinuation<Void, any Error>?
                if let (waiting, continuation) = state.producers.popFirst() {
                    state.buffer.append(waiting)
                    producer = continuation
                }
                return .item(item, producer)
            }
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
                let immediate: Delivery?? = state.withLock { state in
                    if let item = state.buffer.popFirst() { return .some(item) }
                    if state.closed { return .some(nil) }
                    state.consumers.append(continuation)
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        }
    }

    /// Stops accepting. Waiting producers fail with `error`; waiting consumers get `nil`.
    func close(producerError error: any Error) {
        let (producers, consumers) = state.withLock { state in
            state.closed = true
            defer {
                state.producers.removeAll()
                state.consumers.removeAll()
            }
            return (Array(state.producers), Array(state.consumers))
        }
        for (_, producer) in producers { producer.resume(throwing: error) }
        for consumer in consumers { consumer.resume(returning: nil) }
    }

    /// Removes and returns everything still buffered.
    func removeAll() -> [Delivery] {
        state.withLock { state in
            defer { state.buffer.removeAll() }
            return Array(state.buffer)
        }
    }
}
