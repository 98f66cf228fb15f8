import Foundation
import Waku
import WakuMessaging

// The `queue.throughput.*` app: events routed to a local queue endpoint, as the Python peer's
// queue scenario (`local_queue` + `route(Queued).to(...)`).

struct Queued: IEvent {
    let value: Int
}

/// Counts handled messages and wakes the producer when the run's target is reached.
final class Completion: @unchecked Sendable {
    // @unchecked: `count`, `target` and `waiter` are only touched while holding `lock`.
    private let lock = NSLock()
    private var count = 0
    private var target = Int.max
    private var waiter: CheckedContinuation<Void, Never>?

    init() {}

    func reset(target: Int) {
        lock.lock()
        count = 0
        self.target = target
        waiter = nil
        lock.unlock()
    }

    var handled: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    func markHandled() {
        lock.lock()
        count += 1
        let done = count == target ? waiter : nil
        if done != nil { waiter = nil }
        lock.unlock()
        done?.resume()
    }

    /// Returns once `target` messages were handled.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if count >= target {
                lock.unlock()
                continuation.resume()
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }
}

final class QueuedHandler: EventHandler {
    private let completion: Completion
    private let repository: Repository
    init(completion: Completion, repository: Repository) {
        self.completion = completion
        self.repository = repository
    }

    func handle(_ event: Queued) async throws {
        completion.markHandled()
    }
}

struct QueueModule: Module {
    var providers: [Provider] { [singleton(Completion.init)] }
    var extensions: [any ModuleExtension] {
        [MessagingExtension().bindEvent(Queued.self, QueuedHandler.init)]
    }
}

struct QueueAppModule: Module {
    static let endpoint = "bench"
    /// Parallel workers of the local queue.
    let concurrency: Int

    var imports: [any Module] {
        [
            InfraModule(),
            QueueModule(),
            MessagingModule.register(MessagingConfig(
                endpoints: [.localQueue(Self.endpoint, concurrency: concurrency, stopTimeout: .seconds(30))],
                routing: [route(Queued.self).to(Self.endpoint)])),
        ]
    }
}
