import Foundation
import Testing
import Waku
@testable import WakuMessaging

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
        let observer = RecordingObserver()
        try await runtime(of: app).addObserver(observer)
        _ = try await track(app) { try await publish(app, Ping(n: 0)) }
        return try #require(observer.enqueued.first)
    }
}

@Suite("Delivery queue", .timeLimit(.minutes(1)))
struct DeliveryQueueTests {
    @Test(
        "waiting producers and consumers never strand a delivery",
        arguments: [(capacity: 1, consumers: 1), (capacity: 1, consumers: 3), (capacity: 2, consumers: 4)])
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
                    while await queue.next() != nil { consumed.withLock { $0 += 1 } }
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
    }

    @Test("close lets consumers drain what is buffered, then ends them")
    func closeDrains() async throws {
        let delivery = try await sampleDelivery()
        let queue = DeliveryQueue(capacity: 10)
        for _ in 0 ..< 5 { #expect(queue.offer(delivery) == .accepted) }
        queue.close(producerError: QueueClosed())
        #expect(queue.offer(delivery) == .closed)
        var drained = 0
        while await queue.next() != nil { drained += 1 }
        #expect(drained == 5)
    }
}
