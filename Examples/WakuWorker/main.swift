#if SQLite && Postgres
import Foundation
import Logging
import WakuMessaging

// waku-worker: several processes sharing one durable queue.
//
//   waku-worker --store postgres://app:secret@127.0.0.1:5432/app --produce 2000 --groups 3
//   waku-worker --store postgres://app:secret@127.0.0.1:5432/app --consume &   # as many as you like
//   waku-worker --store postgres://app:secret@127.0.0.1:5432/app --consume &
//   waku-worker --store postgres://app:secret@127.0.0.1:5432/app --report
//
// Each consumer runs the app as a Service in a ServiceGroup. Jobs are claimed with
// FOR UPDATE SKIP LOCKED under a lease; jobs of one group are handled strictly in order across
// processes; a killed worker's jobs are claimed again when its lease expires; SIGTERM releases
// leases so the others take over at once.

let options: WorkerOptions
do {
    options = try WorkerOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("\(error.description)\n\n\(WorkerOptions.usage)\n".utf8))
    exit(2)
}

let logLevel: Logger.Level = options.verbose ? .info : .warning
// `.waku`: a line logged while a job is handled carries the job's message and correlation ids.
LoggingSystem.bootstrap({ label, metadataProvider in
    var handler = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
    handler.logLevel = logLevel
    return handler
}, metadataProvider: .waku)
let logger = Logger(label: "waku-worker")

let store: WorkerStore
do {
    store = try WorkerStore.open(options.store, options: options, logger: logger)
} catch {
    FileHandle.standardError.write(Data("waku-worker: \(error)\n".utf8))
    exit(2)
}

var status: Int32 = 0
do {
    switch options.mode {
    case .produce(let count): try await WorkerCommands.produce(count: count, options: options, store: store, logger: logger)
    case .consume: try await WorkerCommands.consume(options: options, store: store, logger: logger)
    case .report: try await WorkerCommands.report(store: store)
    }
} catch {
    FileHandle.standardError.write(Data("waku-worker: \(error)\n".utf8))
    status = 1
}
await store.shutdown()
exit(status)
#else
import Foundation

// Built without the trait this program needs: say how to build it instead of failing to compile.
FileHandle.standardError.write(Data("waku-worker needs the SQLite and Postgres traits: swift run --traits SQLite,Postgres waku-worker\n".utf8))
exit(2)
#endif
