#if SQLite && Postgres
import Foundation
import Waku
import WakuMessaging

/// The work item: routed to the durable endpoint "jobs". Jobs of one group are handled in order,
/// even by several processes; `seq` is the job's position in its group.
struct Job: IEvent, Codable, NamedMessage {
    static let messageName = "waku-worker.job.v1"
    let id: Int
    let group: String?
    let seq: Int
}

/// What each consuming process knows about itself.
struct WorkerSettings: Sendable {
    let pid: Int32
    let handlerDelay: Duration
    var ignoresCancellation = false
    let handled: HandledCounter
}

/// Jobs this process handled.
actor HandledCounter {
    private(set) var count = 0
    func increment() { count += 1 }
}

/// Records each job it handles in the job log, in the unit of work of its request scope:
/// `TransactionalBehavior` commits the log row when the handler returns. The durable endpoint
/// marks the delivery handled afterwards, so a crash in between redelivers the job: it is then
/// logged twice (at-least-once), which `--report` counts as a duplicate.
///
/// With `--no-job-log` its recorder records nothing (`NoJobRecorder`) and no unit of work is
/// opened, so handling a job touches no database. It stays the same handler either way: a stored
/// delivery names its handler, and the producer does not know how the consumers run.
final class HandleJob: EventHandler {
    private let recorder: any JobRecorder
    private let settings: WorkerSettings

    init(recorder: any JobRecorder, settings: WorkerSettings) {
        self.recorder = recorder
        self.settings = settings
    }

    func handle(_ job: Job) async throws {
        if settings.handlerDelay > .zero {
            if settings.ignoresCancellation {
                // A stuck handler, deaf to cancellation: an unstructured task is not cancelled
                // with the handler's task.
                let delay = settings.handlerDelay
                await Task.detached { try? await Task.sleep(for: delay) }.value
            } else {
                try await Task.sleep(for: settings.handlerDelay)
            }
        }
        try await recorder.record(job, worker: settings.pid)
        await settings.handled.increment()
    }
}

#endif
