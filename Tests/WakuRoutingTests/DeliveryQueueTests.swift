import DequeModule
import Foundation
import Testing
import Waku
@testable import WakuMessaging
import WakuTesting

// The bounded queue behind local endpoints, hammered directly: with tiny capacities, producers
// waiting for space and consumers waiting for work meet constantly, so a hand-off that leaves a
// delivery in the buffer while a consumer sleeps (or a producer parked while there is room)
// shows up as a lost delivery or a hang.

private struct QueueClosed: Error {}

/// A real delivery, captured from a routed publish (the queue never looks inside it).
private func sampleDelivery() async throws -> Delivery {
    let config = MessagingConfig(endpoints: [.localQueue("q")], routing: [route(Ping.self).to("q")])
    let modules: [any Module] = [ModB(extensions: [MessagingExtension().bindEvent(Ping.self, PingB.init)])]
    return try await withApp(modules, probe: Probe(), config: config) { app in
        let observer = MessageRecorder()
        try await runtime(of: app).addObserver(observer)
        _ = try await track(app) { try await publish(app, Ping(n: 0)) }
        return try #require(observer.enqueued.first)
    }
}

@Suite("Delivery queue", .timeLimit(.minutes(1)))
struct DeliveryQueueTests {
    @Test(
        "waiting producers and consumers never strand a delivery",
        arguments: [
            (capacity: 1, consumers: 1), (capacity: 1, consumers: 3), (capacity: 2, consumers: 4),
            // Larger capacities resume waiting producers at a low-water mark below capacity.
            (capacity: 8, consumers: 2), (capacity: 64, consumers: 4),
        ])
    func handOff(shape: (capacity: Int, consumers: Int)) async throws {
        let delivery = try await sampleDelivery()
        let queue = DeliveryQueue(capacity: shape.capacity)
        let producers = 8
        let perProducer = 2_000
        let consumed = Locked(0)
        let failedEnqueues = Locked(0)

        await withTaskGroup(of: Void.self) { group in
            for _ in 0 ..< shape.consumers {
                group.addTask {
                    var batch = Deque<Delivery>()
                    while await queue.next(into: &batch, limit: 4, workers: shape.consumers) {
                        consumed.withLock { $0 += batch.count }
                        queue.finished(batch.count)
                        batch.removeAll()
                    }
                }
            }
            // Safety net: a stranded delivery would park a producer forever; closing the queue
            // releases everyone, and the counts below then fail the test instead of hanging.
            let watchdog = Task {
                try? await Task.sleep(for: .seconds(30))
                queue.close(producerError: QueueClosed())
            }
            await withTaskGroup(of: Void.self) { producing in
                for _ in 0 ..< producers {
                    producing.addTask {
                        for _ in 0 ..< perProducer {
                            do {
                                try await queue.enqueue(delivery, closedError: QueueClosed())
                            } catch {
                                failedEnqueues.withLock { $0 += 1 }
                            }
                        }
                    }
                }
            }
            watchdog.cancel()
            queue.close(producerError: QueueClosed())
        }
        #expect(failedEnqueues.withLock { $0 } == 0)
        #expect(consumed.withLock { $0 } == producers * perProducer)
        #expect(queue.count == 0)
        #expect(queue.claimed == 0)
    }

    @Test("close lets consumers drain what is buffered, then ends them")
    func closeDrains() async throws {
        let delivery = try await sampleDelivery()
        let queue = DeliveryQueue(capacity: 10)
        for _ in 0 ..< 5 { #expect(queue.offer(delivery) == .accepted) }
        queue.close(producerError: QueueClosed())
        #expect(queue.offer(delivery) == .closed)
        var drained = 0
        var batch = Deque<Delivery>()
        while await queue.next(into: &batch, limit: 2, workers: 1) {
            #expect(batch.count <= 2)
            drained += batch.count
            batch.removeAll()
        }
        #expect(drained == 5)
        #expect(batch.isEmpty)
    }

    @Test("a consumer takes at most its limit, and no more than its fair share of the buffer")
    func batchSize() async throws {
        let delivery = try await sampleDelivery()
        let queue = DeliveryQueue(capacity: 100)
        for _ in 0 ..< 40 { #expect(queue.offer(delivery) == .accepted) }
        var batch = Deque<Delivery>()
        // Alone, a consumer takes up to its limit.
        #expect(await queue.next(into: &batch, limit: 16, workers: 1))
        #expect(batch.count == 16)
        batch.removeAll()
        // 24 left among 4 workers: a share of 6.
        #expect(await queue.next(into: &batch, limit: 16, workers: 4))
        #expect(batch.count == 6)
        batch.removeAll()
        // 18 left among 8 workers: rounded up to 3.
        #expect(await queue.next(into: &batch, limit: 16, workers: 8))
        #expect(batch.count == 3)
        #expect(queue.count == 15)
        batch.removeAll()
        // Down to one: a share rounds up, so the last delivery is still taken.
        #expect(await queue.next(into: &batch, limit: 14, workers: 1))
        #expect(await queue.next(into: &batch, limit: 16, workers: 8))
        #expect(batch.count == 15)
        #expect(queue.count == 0)
    }

    @Test("taken deliveries count as claimed until finished, and close reports them")
    func claimedUntilFinished() async throws {
        let delivery = try await sampleDelivery()
        let queue = DeliveryQueue(capacity: 10)
        for _ in 0 ..< 7 { #expect(queue.offer(delivery) == .accepted) }
        var batch = Deque<Delivery>()
        #expect(await queue.next(into: &batch, limit: 5, workers: 1))
        #expect(queue.claimed == 5)
        queue.finished(2)
        #expect(queue.claimed == 3)
        let closed = queue.close(producerError: QueueClosed())
        #expect(closed.buffered == 2)
        #expect(closed.claimed == 3)
        #expect(closed.refused == 0)
    }

    @Test("a producer waiting on a full queue gets in once the buffer drains to the low-water mark, ahead of newcomers")
    func producersResumeAtLowWater() async throws {
        let delivery = try await sampleDelivery()
        // Capacity 8: waiting producers come in once the buffer is down to 6.
        let queue = DeliveryQueue(capacity: 8)
        for _ in 0 ..< 8 { #expect(queue.offer(delivery) == .accepted) }
        let admitted = Locked(false)
        let producer = Task {
            try await queue.enqueue(delivery, closedError: QueueClosed())
            admitted.withLock { $0 = true }
        }
        while queue.count < 9 { await Task.yield() }
        var batch = Deque<Delivery>()
        #expect(await queue.next(into: &batch, limit: 1, workers: 1))
        // 7 buffered: above the mark, so the producer still waits (its delivery is not in the
        // buffer), and a newcomer queues behind it although there is room.
        #expect(queue.count == 8)
        #expect(queue.offer(delivery) == .full)
        batch.removeAll()
        #expect(await queue.next(into: &batch, limit: 16, workers: 1))
        #expect(batch.count == 7)
        // That emptied the buffer, so the producer came in.
        try await producer.value
        #expect(admitted.withLock { $0 })
        #expect(queue.count == 1)
        #expect(queue.offer(delivery) == .accepted)
    }

    @Test("a batch that makes room lets the waiting producers in")
    func batchReleasesProducers() async throws {
        let delivery = try await sampleDelivery()
        let queue = DeliveryQueue(capacity: 2)
        #expect(queue.offer(delivery) == .accepted)
        #expect(queue.offer(delivery) == .accepted)
        let admitted = Locked(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0 ..< 2 {
                group.addTask {
                    do {
                        try await queue.enqueue(delivery, closedError: QueueClosed())
                        admitted.withLock { $0 += 1 }
                    } catch {}
                }
            }
            // Both producers are parked once the queue counts their deliveries.
            while queue.count < 4 { await Task.yield() }
            var batch = Deque<Delivery>()
            #expect(await queue.next(into: &batch, limit: 2, workers: 1))
            #expect(batch.count == 2)
        }
        #expect(admitted.withLock { $0 } == 2)
        #expect(queue.count == 2)
    }

    @Test("a delivery held for a retry comes back at the end of the queue, and a closed queue waits for it")
    func retryComesBackAtTheEnd() async throws {
        var first = try await sampleDelivery()
        first.attempts = 1
        var second = first
        second.attempts = 2
        let queue = DeliveryQueue(capacity: 10)
        #expect(queue.offer(first) == .accepted)
        var batch = Deque<Delivery>()
        #expect(await queue.next(into: &batch, limit: 1, workers: 1))
        let failed = try #require(batch.first)
        batch.removeAll()
        #expect(queue.retry(failed, after: .milliseconds(50)))
        queue.finished(1)
        #expect(queue.offer(second) == .accepted)
        #expect(queue.retrying == 1)
        #expect(queue.count == 2)
        #expect(queue.claimed == 0)

        let closed = queue.close(producerError: QueueClosed())
        #expect(closed.buffered == 1 && closed.claimed == 0 && closed.retrying == 1)
        #expect(await queue.next(into: &batch, limit: 16, workers: 1))
        #expect(batch.map(\.attempts) == [2])
        queue.finished(batch.count)
        batch.removeAll()
        // Closed and empty, but the retry is still to come: the consumer waits for it.
        #expect(await queue.next(into: &batch, limit: 16, workers: 1))
        #expect(batch.map(\.attempts) == [1])
        queue.finished(batch.count)
        batch.removeAll()
        #expect(await !queue.next(into: &batch, limit: 16, workers: 1))
    }

    @Test("abandon takes the waiting retries, releases the waiting consumers and refuses later retries")
    func abandonTakesRetries() async throws {
        let delivery = try await sampleDelivery()
        let queue = DeliveryQueue(capacity: 10)
        #expect(queue.offer(delivery) == .accepted)
        #expect(queue.offer(delivery) == .accepted)
        var batch = Deque<Delivery>()
        #expect(await queue.next(into: &batch, limit: 1, workers: 1))
        #expect(queue.retry(try #require(batch.first), after: .seconds(3_600)))
        batch.removeAll()
        queue.finished(1)
        queue.close(producerError: QueueClosed())
        // Two consumers: one takes the buffered delivery, the other waits for the retry.
        #expect(await queue.next(into: &batch, limit: 1, workers: 1))
        let waiting = Task {
            var mine = Deque<Delivery>()
            return await queue.next(into: &mine, limit: 16, workers: 1)
        }
        let removed = queue.abandon()
        #expect(removed.count == 1)
        #expect(queue.retrying == 0)
        #expect(await waiting.value == false)
        #expect(!queue.retry(delivery, after: .milliseconds(1)))
        #expect(queue.retrying == 0)
        queue.finished(1)
    }

    @Test("the last consumer to find a closed queue drained releases the others")
    func drainedQueueReleasesWaitingConsumers() async throws {
        let delivery = try await sampleDelivery()
        let queue = DeliveryQueue(capacity: 10)
        #expect(queue.offer(delivery) == .accepted)
        var batch = Deque<Delivery>()
        #expect(await queue.next(into: &batch, limit: 1, workers: 1))
        // The retry is due at once and goes to the consumer waiting meanwhile, or to the buffer.
        #expect(queue.retry(try #require(batch.first), after: .milliseconds(1)))
        queue.finished(1)
        queue.close(producerError: QueueClosed())
        let consumers = (0 ..< 3).map { _ in
            Task {
                var mine = Deque<Delivery>()
                var taken = 0
                while await queue.next(into: &mine, limit: 16, workers: 3) {
                    taken += mine.count
                    queue.finished(mine.count)
                    mine.removeAll()
                }
                return taken
            }
        }
        var total = 0
        for consumer in consumers { total += await consumer.value }
        #expect(total == 1)
    }
}
