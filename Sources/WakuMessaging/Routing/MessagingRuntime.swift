public import Foundation
import Logging
public import Waku

/// The running side of messaging: endpoints, dead letters and observers. One per application;
/// inject it (`MessagingRuntime`) to inspect endpoints or replay dead letters.
public final class MessagingRuntime: Sendable {
    /// Endpoints by name.
    public let endpoints: [String: any Endpoint]
    /// Where exhausted deliveries of in-memory endpoints go: ``MessagingConfig/deadLetterStore``.
    public let deadLetters: any DeadLetterStore
    /// The store behind durable endpoints, if any.
    public let durableStore: (any DurableStore)?
    /// Every handler's invoker by its stable (message type, handler) key, for durable rows and
    /// replays.
    let invokers: [String: HandlerInvoker]
    let logger: Logger
    /// Spans and observer reports, around dispatches while a tracer or an observer is there.
    let layers: DispatchLayers
    private let sampler = Locked<Task<Void, Never>?>(nil)

    init(endpoints: [any Endpoint], deadLetters: any DeadLetterStore, invokers: [HandlerInvoker],
         durableStore: (any DurableStore)?, logger: Logger, telemetry: MessagingTelemetry) {
        var byName: [String: any Endpoint] = [:]
        for endpoint in endpoints { byName[endpoint.name] = endpoint }
        self.endpoints = byName
        self.deadLetters = deadLetters
        self.durableStore = durableStore
        var byKey: [String: HandlerInvoker] = [:]
        for invoker in invokers { byKey[invoker.key] = invoker }
        self.invokers = byKey
        self.logger = logger
        layers = DispatchLayers(telemetry: telemetry)
    }

    var telemetry: MessagingTelemetry { layers.telemetry }

    /// Prepares the durable store (schema and migrations), then starts every endpoint's workers.
    /// Called after app init.
    func start(app: WakuApplication) async throws {
        if let durableStore, endpoints.values.contains(where: { $0 is DurableEndpoint }) {
            try await durableStore.prepare()
        }
        let processor = DeliveryProcessor(app: app, layers: layers, deadLetters: deadLetters, invokers: invokers, logger: logger)
        for endpoint in endpoints.values.sorted(by: { $0.name < $1.name }) {
            try await endpoint.start(processor: processor)
        }
        if let metrics = telemetry.metrics, !endpoints.isEmpty {
            let endpoints = self.endpoints
            let task = Task {
                while !Task.isCancelled {
                    metrics.sample(endpoints)
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            sampler.withLock { $0 = task }
        }
    }

    /// Stops every endpoint: stop accepting, drain within each stop timeout, report leftovers.
    @discardableResult
    func stop() async -> [EndpointStopReport] {
        sampler.withLock { $0 }?.cancel()
        let reports = await withTaskGroup(of: EndpointStopReport.self) { group in
            for endpoint in endpoints.values { group.addTask { await endpoint.stop() } }
            var reports: [EndpointStopReport] = []
            for await report in group { reports.append(report) }
            return reports.sorted { $0.endpoint < $1.endpoint }
        }
        stopReports.withLock { $0 = reports }
        return reports
    }

    private let stopReports = Locked<[EndpointStopReport]>([])

    /// What each endpoint drained and abandoned when the app last closed; empty before that.
    public var lastStopReports: [EndpointStopReport] { stopReports.withLock { $0 } }

    @inline(__always)
    func enqueue(_ delivery: Delivery) async throws {
        guard let endpoint = endpoints[delivery.endpoint] else {
            throw EndpointNotStarted(endpoint: delivery.endpoint)
        }
        // Observed before the endpoint has it: a worker may finish it before `enqueue` returns.
        layers.observe { $0.deliveryEnqueued(delivery) }
        do {
            try await endpoint.enqueue(delivery)
        } catch {
            layers.observe { $0.deliveryFinished(delivery, outcome: .abandoned, error: error) }
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
        layers.addObserver(observer)
    }

    /// Removes observers of the given class instance.
    public func removeObserver(_ observer: AnyObject) {
        layers.removeObserver(observer)
    }

    /// Whether a metrics backend was found (configured, or bootstrapped in `MetricsSystem`).
    public var isRecordingMetrics: Bool { telemetry.metrics != nil }
    /// Whether a tracer was found (configured, or bootstrapped in `InstrumentationSystem`).
    public var isTracing: Bool { telemetry.tracer != nil }

    /// Whether any observer is registered.
    var isObserved: Bool { layers.isObserved }
    /// Whether a dispatch with only routed handlers leaves building its envelope to the worker
    /// (nothing traces or observes the bus): the condition of `MessageBus`'s fast path.
    package var defersEnvelopes: Bool { layers.isBare }

    /// Calls `body` for each observer; one plain atomic load when none are registered.
    func observe(_ body: (any MessageObserver) -> Void) {
        layers.observe(body)
    }
}

/// Messaging's additions to the application.
extension WakuApplication {
    /// The application's messaging runtime, or `nil` when it does not import `MessagingModule`.
    ///
    /// Unlike `app.container.get(MessagingRuntime.self)` it also answers after `close()`,
    /// which is when ``MessagingRuntime/lastStopReports`` holds what each endpoint drained and abandoned.
    public var messagingRuntime: MessagingRuntime? { providedInstance(MessagingRuntime.self) }
}
