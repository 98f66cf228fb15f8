#if SQLite && Postgres
import Foundation

/// The command line of `waku-worker`.
struct WorkerOptions: Sendable {
    enum Mode: Sendable, Equatable {
        case produce(count: Int)
        case consume
        case report
    }

    var store = ""
    var mode: Mode = .report
    var groups = 0
    var firstId = 0
    var producers = 1
    var untilHandled: Int?
    /// Whether the handler logs each job in `waku_worker_log` (in a transaction of its own).
    /// `--no-job-log` turns it off: the handler then only counts jobs in memory.
    var jobLog = true
    var concurrency = 4
    var handlerDelay: Duration = .zero
    var lease: Duration = .seconds(5)
    var stopTimeout: Duration = .seconds(5)
    /// The handler sleeps through cancellation (to test a bounded stop).
    var ignoreCancellation = false
    var batchSize = 64
    var acquireTimeout: Duration?
    /// How long an idle worker sleeps between polls when nothing wakes it.
    var pollInterval: Duration = .milliseconds(100)
    var verbose = false

    static let usage = """
        usage: waku-worker --store URL MODE [options]

          --store postgres://USER:PASSWORD@HOST:PORT/DB[?schema=NAME] | sqlite:PATH
                                 where the durable queue (and the job log) live

        modes:
          --produce N [--groups G] [--first-id K] [--producers P]
                                 publish N jobs (ids K..K+N-1) and exit; with G > 0, job i
                                 belongs to group "g<i mod G>" and is processed in order within it;
                                 with P > 1, P concurrent tasks publish (each its own scope), and
                                 the store commits their concurrent inserts together
          --consume [--until-handled N] [--no-job-log] [--concurrency C]
                    [--handler-delay-ms D] [--lease-ms L] [--batch-size B]
                    [--acquire-timeout-ms T] [--stop-timeout-ms S]
                    [--ignore-cancellation] [--poll-ms P]
                                 handle jobs until SIGTERM/SIGINT, or until the log holds N
                                 distinct jobs; every handled job is logged with this pid, in
                                 a transaction of its own. With --no-job-log the handler does
                                 no database work (it only counts the jobs it handled), and N
                                 counts the deliveries the store marked handled instead.
                                 The last line printed reads
                                 "waku-worker PID: stopped; handled COUNT job(s) in SECONDSs"
          --report               print handled, duplicate and pending counts

          --lease-ms L           how long a claim stays leased without a heartbeat (default
                                 5000); a live worker extends it, a killed one's rows come back
                                 within L
          --stop-timeout-ms S    how long a graceful stop waits for running handlers before it
                                 cancels them and releases their rows (default 5000)
          --ignore-cancellation  the handler's delay ignores cancellation (a stuck handler)
          --poll-ms P            how often an idle worker looks for jobs nothing woke it for
                                 (default 100); other processes' jobs wake it at once

          --acquire-timeout-ms T how long a PostgreSQL operation waits for a connection before
                                 failing (default 10000); workers back off and retry
          --verbose              log at info level (default: warnings and errors)
        """

    struct UsageError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> WorkerOptions {
        var options = WorkerOptions()
        var modes: [Mode] = []
        var remaining = arguments[...]
        func value(_ flag: String) throws(UsageError) -> String {
            guard let next = remaining.popFirst() else { throw UsageError(message: "\(flag) needs a value") }
            return next
        }
        func number(_ flag: String, minimum: Int) throws(UsageError) -> Int {
            let text = try value(flag)
            guard let number = Int(text), number >= minimum else {
                throw UsageError(message: "\(flag) needs a whole number ≥ \(minimum), got '\(text)'")
            }
            return number
        }
        while let flag = remaining.popFirst() {
            switch flag {
            case "--store": options.store = try value(flag)
            case "--produce": modes.append(.produce(count: try number(flag, minimum: 0)))
            case "--consume": modes.append(.consume)
            case "--report": modes.append(.report)
            case "--groups": options.groups = try number(flag, minimum: 0)
            case "--first-id": options.firstId = try number(flag, minimum: 0)
            case "--producers": options.producers = try number(flag, minimum: 1)
            case "--until-handled": options.untilHandled = try number(flag, minimum: 0)
            case "--no-job-log": options.jobLog = false
            case "--concurrency": options.concurrency = try number(flag, minimum: 1)
            case "--handler-delay-ms": options.handlerDelay = .milliseconds(try number(flag, minimum: 0))
            case "--lease-ms": options.lease = .milliseconds(try number(flag, minimum: 1))
            case "--batch-size": options.batchSize = try number(flag, minimum: 1)
            case "--acquire-timeout-ms": options.acquireTimeout = .milliseconds(try number(flag, minimum: 1))
            case "--stop-timeout-ms": options.stopTimeout = .milliseconds(try number(flag, minimum: 0))
            case "--poll-ms": options.pollInterval = .milliseconds(try number(flag, minimum: 1))
            case "--ignore-cancellation": options.ignoreCancellation = true
            case "--verbose": options.verbose = true
            case "-h", "--help": throw UsageError(message: usage)
            default: throw UsageError(message: "unknown argument '\(flag)'")
            }
        }
        if options.store.isEmpty, let fromEnvironment = ProcessInfo.processInfo.environment["WAKU_WORKER_STORE"] {
            options.store = fromEnvironment
        }
        guard !options.store.isEmpty else { throw UsageError(message: "--store is required") }
        guard modes.count == 1, let mode = modes.first else {
            throw UsageError(message: "choose exactly one of --produce N, --consume, --report")
        }
        guard options.jobLog || mode == .consume else { throw UsageError(message: "--no-job-log applies to --consume only") }
        options.mode = mode
        return options
    }
}
#endif
