import Foundation
import Waku
import WakuMessaging

/// `queue.memory.per-message`: the memory one queued message holds. In a fresh app (so the
/// queue's buffer starts small and its growth is counted), the endpoint's single worker is
/// parked in the handler of a first message (it waits on a ``Gate``); then N messages are
/// published, and the allocator's bytes in use are read before and after (scope closed, so only
/// the queued deliveries remain). B/msg = difference / N, median over runs; the resident-set
/// difference is in the note. The endpoint's capacity is N + 1, so no publish waits.
enum MemoryScenarios {
    static func routed(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let plan = plans.queueMemory
        return try await measure(plan, sink: sink) {
            let app = try await WakuFactory(LocalQueueAppModule(
                handlers: GatedModule(), route: route(Gated.self).to("memory"), endpoint: "memory", capacity: plan.messages + 1)).create()
            return try await app.run { app in
                let gate = try await app.container.get(Gate.self)
                return try await fill(plan, gate: gate) { first, count in
                    try await app.withContainer { scope in
                        let bus = try await scope.get((any IMessageBus).self)
                        for i in first ..< first + count { try await bus.publish(Gated(value: i)) }
                    }
                }
            }
        }
    }

    /// `handwired.queue.memory`: the same over one unbounded `AsyncStream` whose consumer is
    /// parked on the gate: the floor of an in-memory queue of these events.
    static func handwired(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        try await measure(plans.queueMemory, sink: sink) {
            let gate = Gate()
            let streams = HandwiredStreams<Gated>(concurrency: 1) { event in
                try? await GatedHandler(gate: gate, repository: Repository()).handle(event)
            }
            return try await streams.drive {
                try await fill(plans.queueMemory, gate: gate) { first, count in
                    for i in first ..< first + count { streams.yield(Gated(value: i), at: i) }
                }
            }
        }
    }

    /// Bytes per message over `plan.runs` fresh queues (after one discarded warm-up queue).
    private static func measure(
        _ plan: MemoryPlan, sink: Sink, _ run: () async throws -> MemorySample
    ) async throws -> Measurement {
        guard ProcessMemory.allocatedBytes() != nil else {
            throw ScenarioSkipped(unit: .bytesPerMessage, reason: "the allocator's statistics cannot be read on this platform")
        }
        _ = try await run()
        var allocated: [Double] = []
        var resident: [Double] = []
        for _ in 0 ..< plan.runs {
            let sample = try await run()
            allocated.append(Double(sample.allocated) / Double(plan.messages))
            if let grown = sample.resident { resident.append(Double(grown) / Double(plan.messages)) }
            sink.consume(sample.allocated)
        }
        var note = "\(grouped(Double(plan.messages), decimals: 0)) messages queued behind a parked handler, in a fresh queue "
            + "(its buffer growth included); allocator bytes in use"
        if !resident.isEmpty { note += "; resident set grew \(grouped(Statistics.median(resident), decimals: 0)) B/msg" }
        return Measurement(
            unit: .bytesPerMessage, median: Statistics.median(allocated), p50: nil, p99: nil,
            iterations: plan.messages * plan.runs, note: note)
    }

    /// Warms the queue up with a few messages through the open gate, parks the worker on one
    /// message, then measures what publishing `plan.messages` more adds; opens the gate and
    /// waits for every message to be handled.
    private static func fill(
        _ plan: MemoryPlan, gate: Gate, publish: (Int, Int) async throws -> Void
    ) async throws -> MemorySample {
        let warmup = 64
        gate.resetHandled()
        try await publish(0, warmup)
        await gate.waitForHandled(warmup)
        gate.close()
        gate.resetHandled()
        try await publish(warmup, 1)
        await gate.waitUntilParked()
        let before = ProcessMemory.allocatedBytes() ?? 0
        let residentBefore = ProcessMemory.residentBytes()
        try await publish(warmup + 1, plan.messages)
        let after = ProcessMemory.allocatedBytes() ?? 0
        let residentAfter = ProcessMemory.residentBytes()
        gate.open()
        await gate.waitForHandled(plan.messages + 1)
        var resident: Int?
        if let residentBefore, let residentAfter { resident = residentAfter - residentBefore }
        return MemorySample(allocated: after - before, resident: resident)
    }
}

struct MemorySample: Sendable {
    /// Allocator bytes in use added by the queued messages.
    let allocated: Int
    /// Resident-set growth over the same interval.
    let resident: Int?
}

/// Parks handlers until opened, and counts handled messages.
final class Gate: @unchecked Sendable {
    // @unchecked: every field is only touched while holding `lock`.
    private let lock = NSLock()
    private var isOpen = true
    private var parked: [CheckedContinuation<Void, Never>] = []
    private var parkedWaiter: CheckedContinuation<Void, Never>?
    private var handled = 0
    private var handledTarget = Int.max
    private var handledWaiter: CheckedContinuation<Void, Never>?

    init() {}

    func close() { lock.withLock { isOpen = false } }

    func open() {
        let waiting = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            isOpen = true
            defer { parked = [] }
            return parked
        }
        for continuation in waiting { continuation.resume() }
    }

    func resetHandled() {
        lock.withLock {
            handled = 0
            handledTarget = .max
        }
    }

    /// Called by the handler: waits while the gate is closed, then counts the message.
    func pass() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (resumeNow, waiter) = lock.withLock { () -> (Bool, CheckedContinuation<Void, Never>?) in
                if isOpen { return (true, nil) }
                parked.append(continuation)
                defer { parkedWaiter = nil }
                return (false, parkedWaiter)
            }
            waiter?.resume()
            if resumeNow { continuation.resume() }
        }
        let done = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            handled += 1
            guard handled >= handledTarget else { return nil }
            defer { handledWaiter = nil }
            return handledWaiter
        }
        done?.resume()
    }

    /// Returns once a handler is parked at the closed gate.
    func waitUntilParked() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if !parked.isEmpty { return true }
                parkedWaiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Returns once `count` messages passed since ``resetHandled()``.
    func waitForHandled(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if handled >= count { return true }
                handledTarget = count
                handledWaiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }
}

// The `queue.memory.*` app: one event type routed to a single-worker local queue.

struct Gated: IEvent {
    let value: Int
}

final class GatedHandler: EventHandler {
    private let gate: Gate
    private let repository: Repository
    init(gate: Gate, repository: Repository) {
        self.gate = gate
        self.repository = repository
    }

    func handle(_ event: Gated) async throws {
        await gate.pass()
    }
}

struct GatedModule: Module {
    var providers: [Provider] { [singleton(Gate.init)] }
    var extensions: [any ModuleExtension] {
        [MessagingExtension().bindEvent(Gated.self, GatedHandler.init)]
    }
}
