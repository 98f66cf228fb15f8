import Atomics
public import Foundation
import Logging
import Waku

/// The running side of messaging: endpoints, dead letters and observers. One per application;
/// inject it (`MessagingRuntime`) to inspect endpoints or replay dead letters.
public final class MessagingRuntime: Sendable {
    /// Endpoints by name.
    public let endpoints: [String: any Endpoint]
    public let deadLetters: any DeadLetterStore
    /// The store behind durable endpoints, if any.
    public let durableStore: (any DurableStore)?
    /// Every handler by its stable (message type, handler) key, for durable rows and replays.
    let targets: [String: DeliveryTarget]
    let logger: Logger
    private let processor = MessagingLock<DeliveryProcessor?>(nil)
    private let observers = MessagingLock<[any MessageObserver]>([])
    private let hasObservers = ManagedAtomic(false)

    init(endpoints: [any Endpoint], deadLetters: any DeadLetterStore, targets: [DeliveryTarget],
         durableStore: (any DurableStore)?, logger: Logger) {
        var byName: [String: any Endpoint] = [:]
        for endpoint in endpoints { byName[endpoint.name] = endpoint }
        self.endpoints = byName
        self.deadLetters = deadLetters
        self.durableStore = durableStore
        var byKey: [String: DeliveryTarget] = [:]
        for target in targets { byKey[target.key] = target }
        self.targets = byKey
        self.logger = logger
    }

    /// Prepares the durable store (schema and migrations), then starts every endpoint's workers.
    /// Called after app init.
    func start(app: WakuApplication) async throws {
        if let durableStore, endpoints.values.contains(where: { $0 is DurableEndpoint }) {
            try await durableStore.prepare()
        }
        let processor = DeliveryProcessor(app: app, runtime: self, logger: logger)
        self.processor.withLock { $0 = processor }
        for endpoint in endpoints.values.sorted(by: { $0.name < $1.name }) {
            try await endpoint.start(processor: processor)
        }
    }

    /// Stops every endpoint: stop accepting, drain within each stop timeout, report leftovers.
    @discardableResult
    func stop() async -> [EndpointStopReport] {
        let reports = await withTaskGroup(of: EndpointStopReport.self) { group in
            for endpoint in endpoints.values { group.addTask { await endpoint.stop() } }
            var reports: [EndpointStopReport] = []
            for await report in group { reports.append(report) }
            return reports.sorted { $0.endpoint < $1.endpoint }
        }
        stopReports.withLock { $0 = reports }
        return reports
    }

    private let stopReports = MessagingLock<[EndpointStopReport]>([])

    /// What each endpoint drained and abandoned when the app last closed; empty before that.
    public var lastStopReports: [EndpointStopReport] { stopReports.withLock { $0 } }

    func enqueue(_ delivery: Delivery) async throws {
        guard let endpoint = endpoints[delivery.endpoint] else {
            throw EndpointNotStarted(endpoint: delivery.endpoint)
        }
        // Observed before the endpoint has it: a worker may finish it before `enqueue` returns.
        observe { $0.deliveryEnqueued(delivery) }
        do {
            try await endpoint.enqueue(delivery)
        } catch {
            observe { $0.deliveryFinished(delivery, outcome: .abandoned, error: error) }
            throw error
        }
    }

    /// Sends dead letters back through their endpoints, and removes each from the store once its
    /// endpoint accepted it; a record whose enqueue fails stays in the store. Returns how many
    /// were replayed.
    @discardableResult
    public func replayDeadLetters(_ ids: [UUID]) async throws -> Int {
        let wanted = Set(ids)
        let records = try await deadLetters.list().filter { wanted.contains($0.id) }
        for record in records {
            let delivery = Delivery(
                envelope: record.envelope, target: record.delivery.target, endpoint: record.endpoint,
                options: record.delivery.options)
            try await enqueue(delivery)
            _ = try await deadLetters.remove([record.id])
        }
        return records.count
    }

    /// Replays every dead letter.
    @discardableResult
    public func replayAllDeadLetters() async throws -> Int {
        try await replayDeadLetters(deadLetters.list().map(\.id))
    }

    /// Registers an observer.
    public func addObserver(_ observer: any MessageObserver) {
        observers.withLock { $0.append(observer) }
        hasObservers.store(true, ordering: .releasing)
    }

    /// Removes observers of the given class instance.
    public func removeObserver(_ observer: AnyObject) {
        let empty = observers.withLock { list -> Bool in
            list.removeAll { ($0 as AnyObject) === observer }
            return list.isEmpty
        }
        if empty { hasObservers.store(false, ordering: .releasing) }
    }

    /// Calls `body` for each observer; free when none are registered.
    func observe(_ body: (any MessageObserver) -> Void) {
        guard hasObservers.load(ordering: .acquiring) else { return }
        for observer in observers.withLock({ $0 }) { body(observer) }
    }
}
