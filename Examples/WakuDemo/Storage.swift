import Foundation
import Waku
import WakuMessaging
#if Postgres
import WakuPostgres
import PostgresNIO
#endif
#if SQLite
import WakuSQLite
import SQLiteNIO
#endif

/// Where the demo's orders are written: through the unit of work, in the same transaction as the
/// durable messages that the order causes.
protocol OrderStore: IUnitOfWork {
    func saveOrder(id: String, customerId: String) async throws
}

#if SQLite
extension SQLiteUnitOfWork: OrderStore {
    func saveOrder(id: String, customerId: String) async throws {
        try await query("CREATE TABLE IF NOT EXISTS demo_orders (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL)")
        try await query("INSERT INTO demo_orders (id, customer_id) VALUES (?, ?)", [.text(id), .text(customerId)])
    }
}

#endif

#if Postgres
extension PostgresUnitOfWork: OrderStore {
    func saveOrder(id: String, customerId: String) async throws {
        _ = try await query("CREATE TABLE IF NOT EXISTS demo_orders (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL)")
        _ = try await query("INSERT INTO demo_orders (id, customer_id) VALUES (\(id), \(customerId)) ON CONFLICT DO NOTHING")
    }
}
#endif

/// Why the demo cannot start: the store it was asked for is not in this build.
struct DemoStorageUnavailable: Error, CustomStringConvertible {
    let description: String
}

/// The embedded default: a SQLite file in a temporary (or `WAKU_DEMO_DATA`) folder.
/// `WAKU_POSTGRES_URL` switches to PostgreSQL, in a build with the `Postgres` trait:
/// `WAKU_POSTGRES_URL=postgres://… swift run --traits SQLite,Postgres waku-demo`.
struct DemoStorage: Sendable {
    let store: any DurableStore
    let providers: [Provider]
    let description: String
    /// The temporary folder the demo made for itself, removed at exit; `nil` when
    /// `WAKU_DEMO_DATA` names a folder (kept) or the demo runs on PostgreSQL.
    var temporaryFolder: URL? = nil

    /// Shuts the store down and removes the demo's temporary folder, if it made one.
    func finish() async {
        await store.shutdown()
        if let temporaryFolder { try? FileManager.default.removeItem(at: temporaryFolder) }
    }

    static func fromEnvironment() throws -> DemoStorage {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["WAKU_POSTGRES_URL"], !url.isEmpty {
            #if Postgres
            let store = try PostgresDurableStore(url: url)
            return DemoStorage(
                store: store,
                providers: store.unitOfWorkProviders() + [scoped((any OrderStore).self) { (unitOfWork: PostgresUnitOfWork) in unitOfWork }],
                description: "PostgreSQL (WAKU_POSTGRES_URL)")
            #else
            throw DemoStorageUnavailable(description: """
                WAKU_POSTGRES_URL is set, but this waku-demo was built without PostgreSQL. \
                Build it with the Postgres trait: swift run --traits SQLite,Postgres waku-demo
                """)
            #endif
        }
        #if SQLite
        let chosen = environment["WAKU_DEMO_DATA"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        let folder = chosen
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("waku-demo-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("waku-demo.sqlite").path
        let store = SQLiteDurableStore(path: path)
        return DemoStorage(
            store: store,
            providers: store.unitOfWorkProviders() + [scoped((any OrderStore).self) { (unitOfWork: SQLiteUnitOfWork) in unitOfWork }],
            description: chosen == nil ? "SQLite file \(path) (removed at exit; WAKU_DEMO_DATA keeps it)" : "SQLite file \(path)",
            temporaryFolder: chosen == nil ? folder : nil)
        #else
        throw DemoStorageUnavailable(description: """
            This waku-demo was built without SQLite, its default store. \
            Build it with the SQLite trait (swift run --traits SQLite waku-demo), \
            or set WAKU_POSTGRES_URL and build it with the Postgres trait.
            """)
        #endif
    }
}
