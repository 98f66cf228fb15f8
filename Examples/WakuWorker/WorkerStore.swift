#if SQLite && Postgres
import Foundation
import Logging
import Waku
import WakuMessaging
import WakuPostgres
import WakuSQLite

/// The store named by `--store`: PostgreSQL for several processes, or an SQLite file.
enum WorkerStore {
    case postgres(PostgresDurableStore)
    case sqlite(SQLiteDurableStore)

    static func open(_ spec: String, options: WorkerOptions, logger: Logger) throws -> WorkerStore {
        if spec.hasPrefix("postgres://") || spec.hasPrefix("postgresql://") {
            var storeOptions = PostgresDurableStore.Options()
            if let timeout = options.acquireTimeout { storeOptions.acquireTimeout = timeout }
            return .postgres(try PostgresDurableStore(url: spec, options: storeOptions, logger: logger))
        }
        if spec.hasPrefix("sqlite:") {
            let path = String(spec.dropFirst("sqlite:".count))
            guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw WorkerOptions.UsageError(message: "--store sqlite: needs a file path, e.g. sqlite:/var/lib/app/waku.sqlite")
            }
            return .sqlite(SQLiteDurableStore(path: path, logger: logger))
        }
        throw WorkerOptions.UsageError(message: "--store must be postgres://… or sqlite:PATH, got '\(redacted(spec))'")
    }

    /// `spec` with any password replaced by `***`, for messages.
    static func redacted(_ spec: String) -> String {
        guard let scheme = spec.range(of: "://"), let at = spec[scheme.upperBound...].lastIndex(of: "@") else { return spec }
        let credentials = spec[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return spec }
        return String(spec[..<spec.index(after: colon)]) + "***" + String(spec[at...])
    }

    var durable: any DurableStore {
        switch self {
        case .postgres(let store): store
        case .sqlite(let store): store
        }
    }

    /// Where the queue lives, without secrets.
    var displayName: String {
        switch self {
        case .postgres(let store): store.displayName
        case .sqlite(let store): "SQLite file \(store.path)"
        }
    }

    var log: any JobLog {
        switch self {
        case .postgres(let store): PostgresJobLog(store: store)
        case .sqlite(let store): SQLiteJobLog(store: store)
        }
    }

    /// The request-scoped unit of work, and the job recorder: one that writes through that unit
    /// of work, or with `jobLog` false one that records nothing.
    func providers(jobLog: Bool) -> [Provider] {
        let noJobLog = object(NoJobRecorder() as any JobRecorder)
        switch self {
        case .postgres(let store):
            let table = PostgresJobLog(store: store).table
            return store.unitOfWorkProviders() + [
                jobLog ? scoped((any JobRecorder).self) { (unitOfWork: PostgresUnitOfWork) in
                    PostgresJobRecorder(unitOfWork: unitOfWork, table: table)
                } : noJobLog,
            ]
        case .sqlite(let store):
            return store.unitOfWorkProviders() + [
                jobLog ? scoped((any JobRecorder).self) { (unitOfWork: SQLiteUnitOfWork) in SQLiteJobRecorder(unitOfWork: unitOfWork) }
                    : noJobLog,
            ]
        }
    }

    func shutdown() async {
        await durable.shutdown()
    }
}
#endif
