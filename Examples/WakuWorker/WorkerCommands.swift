#if SQLite && Postgres
import Foundation
import Logging
import ServiceLifecycle
import Waku
import WakuMessaging
import UnixSignals

/// The three modes of `waku-worker`.
enum WorkerCommands {
    /// Publishes `count` jobs through the bus, then exits. The producer's store never claims, so
    /// all the work is left to the consumers.
    static func produce(count: Int, options: WorkerOptions, store: WorkerStore, logger: Logger) async throws {
        try await store.log.prepare()
        let settings = WorkerSettings(pid: ProcessInfo.processInfo.processIdentifier, handlerDelay: .zero, handled: HandledCounter())
        let module = WorkerModule(
            durableStore: ProduceOnlyStore(store.durable), storeProviders: store.providers(jobLog: true), settings: settings,
            options: options)
        let app = try await WakuFactory(module, logger: logger).create()
        let started = ContinuousClock.now
        try await app.run { app in
            // Each producer publishes its jobs in id order. With groups, all jobs of a group go
            // through one producer, so each group is published in sequence order.
            let producers = min(options.producers, max(1, count))
            let producerOf = { @Sendable (id: Int) -> Int in
                options.groups > 0 ? (id % options.groups) % producers : id % producers
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for producer in 0..<producers {
                    group.addTask {
                        try await app.withContainer { container in
                            let publisher = try await container.get((any IPublisher).self)
                            for index in 0..<count where producerOf(options.firstId + index) == producer {
                                let id = options.firstId + index
                                let job = options.groups > 0
                                    ? Job(id: id, group: "g\(id % options.groups)", seq: id / options.groups)
                                    : Job(id: id, group: nil, seq: id)
                                try await publisher.publish(job)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let elapsed = started.duration(to: .now)
        let groups = options.groups > 0 ? " in \(options.groups) group(s)" : ""
        say("waku-worker \(settings.pid): produced \(count) job(s)\(groups) on \(store.displayName) in \(format(elapsed))")
    }

    /// Runs the app as a Service until SIGTERM/SIGINT, or until `--until-handled` jobs are done:
    /// logged in the job log, or with `--no-job-log` marked handled in the store. The last line
    /// printed, "waku-worker PID: stopped; handled COUNT job(s) in …", is read by `waku-bench`.
    static func consume(options: WorkerOptions, store: WorkerStore, logger: Logger) async throws {
        let progress: UntilHandled.Progress
        if options.jobLog {
            let log = store.log
            try await log.prepare()
            progress = { try await log.distinctJobs() }
        } else {
            let durable = store.durable
            try await durable.prepare()
            progress = { try await durable.handledCount(endpoint: WorkerModule.endpoint) }
        }
        let settings = WorkerSettings(
            pid: ProcessInfo.processInfo.processIdentifier, handlerDelay: options.handlerDelay,
            ignoresCancellation: options.ignoreCancellation, handled: HandledCounter())
        let module = WorkerModule(
            durableStore: store.durable, storeProviders: store.providers(jobLog: options.jobLog), settings: settings, options: options)
        let app = try await WakuFactory(module, logger: logger).create()

        var services = [ServiceGroupConfiguration.ServiceConfiguration(service: app)]
        if let target = options.untilHandled {
            // Finishing successfully shuts the whole group down gracefully: the app drains and
            // releases its leases.
            services.append(.init(service: UntilHandled(progress: progress, target: target, logger: logger),
                                  successTerminationBehavior: .gracefullyShutdownGroup))
        }
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        let group = ServiceGroup(configuration: configuration)

        let until = options.untilHandled.map {
            options.jobLog ? " until \($0) job(s) are logged" : " until the store holds \($0) handled deliveries (no job log)"
        } ?? " until SIGTERM/SIGINT"
        say("waku-worker \(settings.pid): consuming '\(WorkerModule.endpoint)' on \(store.displayName) with concurrency \(options.concurrency)\(until)")
        let started = ContinuousClock.now
        try await group.run()
        let handled = await settings.handled.count
        say("waku-worker \(settings.pid): stopped; handled \(handled) job(s) in \(format(started.duration(to: .now)))")
    }

    static func report(store: WorkerStore) async throws {
        let log = store.log
        try await log.prepare()
        let stats = try await log.stats()
        say("waku-worker report for \(store.displayName):")
        say(stats.description.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    }

    static func format(_ duration: Duration) -> String {
        String(format: "%.2fs", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}

/// Ends (successfully) once `progress` (distinct jobs logged, or deliveries the store marked
/// handled) reaches `target`, or at graceful shutdown.
struct UntilHandled: Service {
    typealias Progress = @Sendable () async throws -> Int

    let progress: Progress
    let target: Int
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                if try await progress() >= target { return }
            } catch {
                logger.warning("Could not read how many jobs were handled; retrying", metadata: [WakuLogMetadata.Key.error: "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}

/// Prints a line at once (unbuffered), so progress reaches a pipe or log file as it happens.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
#endif
