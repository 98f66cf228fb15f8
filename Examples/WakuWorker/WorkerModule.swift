#if SQLite && Postgres
import Waku
import WakuMessaging

/// The worker application: one durable endpoint, "jobs", partitioned by the job's group, and
/// the handler that logs each job in the unit of work `TransactionalBehavior` commits (with
/// `--no-job-log`, no behavior opens a unit of work and the handler only counts jobs).
struct WorkerModule: Module {
    static let endpoint = "jobs"

    let durableStore: any DurableStore
    let storeProviders: [Provider]
    let settings: WorkerSettings
    let options: WorkerOptions

    var imports: [any Module] {
        [
            MessagingModule.register(MessagingConfig(
                pipelineBehaviors: options.jobLog ? [TransactionalBehavior.self] : [],
                endpoints: [
                    .durable(
                        Self.endpoint, concurrency: options.concurrency, stopTimeout: options.stopTimeout,
                        // Generous retries: a database outage fails the attempts in flight.
                        errorPolicy: .retry(10, backoff: .milliseconds(200), maxBackoff: .seconds(5)),
                        partitionBy: { ($0 as? Job)?.group },
                        batchSize: options.batchSize, lease: options.lease, pollInterval: options.pollInterval),
                ],
                routing: [route(Job.self).to(Self.endpoint)],
                durableStore: durableStore)),
        ]
    }

    var providers: [Provider] { storeProviders + [object(settings)] }

    var extensions: [any ModuleExtension] {
        [MessagingExtension().bindEvent(Job.self, HandleJob.init)]
    }
}
#endif
