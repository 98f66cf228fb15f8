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

/// An app of the local-queue scenarios: the shared infrastructure, the module binding the
/// scenario's event and handler, and the event routed to one local queue endpoint.
struct LocalQueueAppModule: Module {
    let handlers: any Module
    let route: RoutingRule
    let endpoint: String
    /// Parallel workers of the local queue.
    var concurrency = 1
    var capacity = 10_000

    var imports: [any Module] {
        [
            InfraModule(),
            handlers,
            MessagingModule.register(MessagingConfig(
                endpoints: [.localQueue(endpoint, concurrency: concurrency, capacity: capacity, stopTimeout: .seconds(60))],
                routing: [route])),
        ]
    }

    /// The `queue.throughput.*` app.
    static func throughput(concurrency: Int) -> LocalQueueAppModule {
        LocalQueueAppModule(
            handlers: QueueModule(), route: WakuMessaging.route(Queued.self).to("bench"), endpoint: "bench", concurrency: concurrency)
    }
}
