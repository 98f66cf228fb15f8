#if SQLite
import Foundation
import Testing
import Waku
import WakuMessaging
import WakuSQLite
import SQLiteNIO
import WakuTesting

/// A fresh SQLite file per test.
func temporarySQLitePath(_ name: String = #function) -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("waku-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent("durable.sqlite").path
}

/// Records what handlers saw, safely across tasks, and lets a test wait for it: a typed view of
/// WakuTesting's `Probe`.
final class SQLRecorder<Value: Sendable>: Sendable {
    private let probe = Probe()
    func append(_ value: Value) { probe.capture("values", value) }
    var all: [Value] { probe.captured("values", as: Value.self) }
    var count: Int { all.count }

    /// Waits until `condition` holds, re-checking after every recorded value; `false` on timeout.
    func wait(timeout: Duration = .seconds(30), until condition: (SQLRecorder) -> Bool) async -> Bool {
        await probe.wait(timeout: timeout) { _ in condition(self) }
    }
}

/// A switch handlers read to decide whether to fail.
final class SQLSwitch: Sendable {
    private let value: Locked<Bool>
    init(_ on: Bool) { value = Locked(on) }
    var isOn: Bool { value.withLock { $0 } }
    func set(_ on: Bool) { value.withLock { $0 = on } }
}

struct SQLJob: IEvent, Codable, Equatable {
    let id: Int
    let group: String?
}

struct SQLNotCodableEvent: IEvent {
    let id: Int
}

final class SQLJobHandler: EventHandler {
    let recorder: SQLRecorder<SQLJob>
    let failing: SQLSwitch
    init(recorder: SQLRecorder<SQLJob>, failing: SQLSwitch) {
        self.recorder = recorder
        self.failing = failing
    }
    func handle(_ event: SQLJob) async throws {
        if failing.isOn { throw SQLJobFailed(id: event.id) }
        recorder.append(event)
    }
}

struct SQLJobFailed: Error, CustomStringConvertible {
    let id: Int
    var description: String { "job \(id) failed on purpose" }
}

struct SQLJobsModule: Module {
    let recorder: SQLRecorder<SQLJob>
    let failing: SQLSwitch
    var providers: [Provider] { [object(recorder), object(failing), scoped(SQLJobHandler.init)] }
    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(SQLJob.self, [SQLJobHandler.self])] }
}

struct SQLDurableRoot: Module {
    let config: MessagingConfig
    let jobs: SQLJobsModule
    let extra: [Provider]
    var imports: [any Module] { [MessagingModule.register(config), jobs] }
    var providers: [Provider] { extra }
}

/// Builds an initialized app with one durable endpoint "jobs" on `store`.
func makeSQLDurableApp(
    store: any DurableStore, recorder: SQLRecorder<SQLJob>, failing: SQLSwitch = SQLSwitch(false),
    policy: ErrorPolicy = .retry(2, backoff: .milliseconds(1)), concurrency: Int = 2,
    partitionBy: (@Sendable (any IMessage) -> String?)? = nil, stopTimeout: Duration = .seconds(5),
    lease: Duration = .seconds(30), extraProviders: [Provider] = []
) async throws -> WakuApplication {
    let config = MessagingConfig(
        endpoints: [.durable("jobs", concurrency: concurrency, stopTimeout: stopTimeout, errorPolicy: policy,
                             partitionBy: partitionBy, lease: lease, pollInterval: .milliseconds(20))],
        routing: [route(SQLJob.self).to("jobs")],
        durableStore: store)
    let app = try await WakuFactory(
        SQLDurableRoot(config: config, jobs: SQLJobsModule(recorder: recorder, failing: failing), extra: extraProviders)
    ).create()
    try await app.initialize()
    return app
}

func sqlPublish<E: IEvent>(_ app: WakuApplication, _ event: E, options: DeliveryOptions = .none) async throws {
    try await app.withContainer { container in
        try await container.get((any IPublisher).self).publish(event, options: options)
    }
}

/// Runs `sql` on a connection of its own to the SQLite file at `path`.
func rawSQLite(_ path: String, _ sql: String) async throws -> [SQLiteRow] {
    let connection = try await SQLiteConnection.open(storage: .file(path: path))
    do {
        _ = try await connection.query("PRAGMA busy_timeout = 10000")
        let rows = try await connection.query(sql)
        try await connection.close()
        return rows
    } catch {
        try? await connection.close()
        throw error
    }
}
#endif
