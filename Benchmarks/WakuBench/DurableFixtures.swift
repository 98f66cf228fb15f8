import Foundation
import PostgresNIO
import Waku
import WakuMessaging
import WakuPostgres
import WakuSQLite

// The `durable.*` app: the `Stamped` event (see LatencyScenarios) routed to a durable endpoint,
// and where its stores live.

struct DurableAppModule: Module {
    static let endpoint = "bench"
    static let concurrency = 4
    let store: any DurableStore

    var imports: [any Module] {
        [
            InfraModule(),
            StampedModule(),
            MessagingModule.register(MessagingConfig(
                endpoints: [.durable(Self.endpoint, concurrency: Self.concurrency, stopTimeout: .seconds(60))],
                routing: [route(Stamped.self).to(Self.endpoint)],
                durableStore: store)),
        ]
    }
}

/// Where the durable scenarios keep their data: a fresh SQLite file in a temporary folder, or a
/// fresh schema in the PostgreSQL database named by `WAKU_BENCH_POSTGRES_URL`; removed afterwards.
enum BenchDatabase {
    static let postgresVariable = "WAKU_BENCH_POSTGRES_URL"

    /// The PostgreSQL URL, or ``ScenarioSkipped`` saying how to set it.
    static func postgresURL(_ unit: MeasureUnit) throws -> String {
        guard let url = ProcessInfo.processInfo.environment[postgresVariable], !url.isEmpty else {
            throw ScenarioSkipped(unit: unit, reason: "set \(postgresVariable) (scripts/bench starts a throwaway PostgreSQL and sets it)")
        }
        return url
    }

    /// A schema name no other run uses.
    static func uniqueSchema(_ prefix: String) -> String {
        "waku_bench_\(prefix)_" + UUID().uuidString.prefix(8).lowercased()
    }

    /// `url` with `schema=NAME` added to its query.
    static func url(_ url: String, schema: String) -> String {
        url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    /// Runs `body` with a prepared SQLite store on a fresh file, then deletes the folder.
    static func withSQLite<R>(_ body: (SQLiteDurableStore, String) async throws -> R) async throws -> R {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("waku-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("durable.sqlite").path
        let store = SQLiteDurableStore(path: path)
        do {
            try await store.prepare()
            let result = try await body(store, path)
            await store.shutdown()
            return result
        } catch {
            await store.shutdown()
            throw error
        }
    }

    /// Runs `body` with a prepared PostgreSQL store on a fresh schema, then drops the schema.
    static func withPostgres<R>(
        _ unit: MeasureUnit, prefix: String, _ body: (PostgresDurableStore, String) async throws -> R
    ) async throws -> R {
        let base = try postgresURL(unit)
        let schema = uniqueSchema(prefix)
        let url = url(base, schema: schema)
        let store = try PostgresDurableStore(url: url)
        do {
            try await store.prepare()
            let result = try await body(store, url)
            _ = try? await store.query(PostgresQueryText.dropSchema(schema))
            await store.shutdown()
            return result
        } catch {
            _ = try? await store.query(PostgresQueryText.dropSchema(schema))
            await store.shutdown()
            throw error
        }
    }
}
