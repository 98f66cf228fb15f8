#if Postgres
import Foundation
import Logging
import PostgresNIO
import Testing
import Waku
import WakuMessaging
import WakuPostgres
import WakuTesting

// Shared fixtures for the PostgreSQL suite. Every test works in its own PostgreSQL schema
// (`?schema=t_…` on the URL), so tests never see each other's rows. The suite is serialized:
// the outage test stops the server, which would break any test running beside it.

/// The throwaway cluster started by `scripts/test`.
enum TestDatabase {
    static var url: String? {
        guard let value = ProcessInfo.processInfo.environment["WAKU_TEST_POSTGRES_URL"], !value.isEmpty else { return nil }
        return value
    }

    static var isAvailable: Bool { url != nil }

    /// The `pg-ctl` helper: `stop`, `start`.
    static var control: String? { ProcessInfo.processInfo.environment["WAKU_TEST_PG_CTL"] }

    /// A fresh schema name.
    static func uniqueSchema(_ prefix: String = "t") -> String {
        "\(prefix)_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
    }

    /// The test URL with `schema=` added.
    static func url(schema: String) throws -> String {
        let base = try #require(url, "WAKU_TEST_POSTGRES_URL is not set")
        return base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    /// The test URL's parts: (user, password, host, port, database).
    static func parts() throws -> (user: String, password: String, host: String, port: Int, database: String) {
        let base = try #require(url)
        let components = try #require(URLComponents(string: base))
        return (
            try #require(components.user), components.password ?? "", try #require(components.host), components.port ?? 5432,
            String(components.path.dropFirst()))
    }

    static func makeStore(schema: String, options: PostgresDurableStore.Options = .init()) throws -> PostgresDurableStore {
        var logger = Logger(label: "waku.postgres.test")
        logger.logLevel = .warning
        return try PostgresDurableStore(url: url(schema: schema), options: options, logger: logger)
    }

    /// Runs the pg-ctl helper (`stop` or `start`).
    static func pgControl(_ command: String) async throws {
        let control = try #require(control, "WAKU_TEST_PG_CTL is not set (run scripts/test)")
        let (status, output) = try await runToCompletion(control, [command])
        try #require(status == 0, "\(control) \(command) exited with \(status.map(String.init) ?? "timeout"): \(output)")
    }
}

extension Trait where Self == ConditionTrait {
    /// Skips the test unless `scripts/test` started PostgreSQL.
    static var requiresPostgres: Self {
        .enabled(if: TestDatabase.isAvailable, "WAKU_TEST_POSTGRES_URL is not set; run the suite with scripts/test")
    }
}

// MARK: SQL helpers

extension PostgresDurableStore {
    /// `"schema".table`.
    func qualified(_ table: String) -> String {
        schemaName.map { "\"\($0)\".\(table)" } ?? table
    }

    /// Runs SQL on the store's pool and returns the first column of the first row as an Int.
    func scalar(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) async throws -> Int {
        let rows = try await query(PostgresQuery(unsafeSQL: sql, binds: binds))
        return try rows.first?.decode(Int.self) ?? 0
    }

    func execute(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) async throws {
        try await query(PostgresQuery(unsafeSQL: sql, binds: binds))
    }

    /// Drops the test's schema (best effort) and stops the pool.
    func dropSchemaAndShutdown() async {
        if let schemaName {
            _ = try? await query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \"\(schemaName)\" CASCADE"))
        }
        await shutdown()
    }
}

// MARK: An in-process app with one durable endpoint

/// The event most in-process tests publish.
struct DurablePing: IEvent, Codable, NamedMessage {
    static let messageName = "durable-tests.ping"
    let n: Int
}

/// What the handler did, and what it should do; a test can wait for it (WakuTesting's `Probe`).
final class PingRecorder: Sendable {
    private let probe = Probe()
    private let failingNow = Locked(false)

    var handled: [Int] { probe.captured("handled", as: Int.self) }
    var attempts: Int { probe.count("attempts") }
    /// While true, every attempt throws.
    var failing: Bool { failingNow.withLock { $0 } }

    func setFailing(_ value: Bool) { failingNow.withLock { $0 = value } }

    func attempt(_ n: Int) throws {
        let attempt = probe.bump("attempts")
        if failing { throw PingFailure(n: n, attempt: attempt) }
        probe.capture("handled", n)
    }

    /// Waits until `condition` holds, re-checking after every attempt; `false` on timeout.
    func wait(timeout: Duration = .seconds(30), until condition: (PingRecorder) -> Bool) async -> Bool {
        await probe.wait(timeout: timeout) { _ in condition(self) }
    }
}

struct PingFailure: Error, CustomStringConvertible {
    let n: Int
    let attempt: Int
    var description: String { "boom: ping \(n) failed (attempt \(attempt))" }
}

final class RecordPing: EventHandler {
    private let recorder: PingRecorder
    init(recorder: PingRecorder) { self.recorder = recorder }
    func handle(_ event: DurablePing) async throws { try recorder.attempt(event.n) }
}

/// A root module: messaging with one durable endpoint that `DurablePing` is routed to.
struct DurableTestModule: Module {
    let store: PostgresDurableStore
    let endpoint: EndpointConfig
    let recorder: PingRecorder
    var behaviors: [any IPipelineBehavior.Type] = []
    var extraProviders: [Provider] = []
    var extraExtensions: [any ModuleExtension] = []

    var imports: [any Module] {
        [
            MessagingModule.register(MessagingConfig(
                pipelineBehaviors: behaviors, endpoints: [endpoint], routing: [route(DurablePing.self).to(endpoint.name)],
                durableStore: store)),
        ]
    }

    var providers: [Provider] { [object(recorder)] + extraProviders }

    var extensions: [any ModuleExtension] {
        [MessagingExtension().bindEvent(DurablePing.self, RecordPing.init)] + extraExtensions
    }
}

/// Builds, initializes and always closes an app on `module`, logging warnings and worse.
func withApp<R>(_ module: any Module, _ body: (WakuApplication) async throws -> R) async throws -> R {
    var logger = Logger(label: "waku.test")
    logger.logLevel = .warning
    return try await withTestApp(WakuFactory(module, logger: logger), body)
}

/// Publishes `event` from a fresh request scope.
func publish(_ app: WakuApplication, _ event: some IEvent, options: DeliveryOptions = .none) async throws {
    try await app.withContainer { container in
        try await container.get((any IPublisher).self).publish(event, options: options)
    }
}
#endif
