import Foundation
import Logging
import PostgresNIO

/// Plain postgres-nio connections to the benchmark database, without the store: for the
/// `floor.durable.*` scenarios and for reading the server's settings.
enum PostgresDirect {
    /// A connection configuration for `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (the form
    /// `WAKU_BENCH_POSTGRES_URL` has). `sslmode=disable` turns TLS off; otherwise TLS is used when
    /// the server offers it, unverified, as libpq's default `prefer`.
    static func configuration(_ url: String) throws -> PostgresConnection.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty, let user = components.user
        else { throw BenchFailure("\(BenchDatabase.postgresVariable) is not postgres://USER:PASSWORD@HOST:PORT/DATABASE") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresConnection.Configuration.TLS
        if sslMode == "disable" {
            tls = .disable
        } else {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            tls = .prefer(try NIOSSLContext(configuration: configuration))
        }
        return PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: tls)
    }

    static let logger = Logger(label: "waku-bench.postgres")

    /// `count` new connections; closes those already open when one fails.
    static func connect(_ url: String, count: Int) async throws -> [PostgresConnection] {
        let configuration = try configuration(url)
        var connections: [PostgresConnection] = []
        do {
            for id in 0 ..< count {
                connections.append(try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger))
            }
        } catch {
            await close(connections)
            throw error
        }
        return connections
    }

    /// WAL flushes the server has made since its statistics were reset (`pg_stat_wal.wal_sync`,
    /// cluster-wide), or `nil` where that cannot be read (PostgreSQL before 15). With `fsync` on,
    /// each flush is a disk write that commits wait for; the difference over a run says how many
    /// commits shared each. Backends report their statistics lazily, so each of `connections`
    /// (the ones that did the work) is made to report first; other sessions may lag.
    static func walFlushes(_ connections: [PostgresConnection]) async -> Int? {
        do {
            for connection in connections {
                // Forced at its next idle moment, which is right after this statement; the
                // next statement waits for it.
                _ = try await connection.query("SELECT pg_stat_force_next_flush()", logger: logger).collect()
                _ = try await connection.query("SELECT 1", logger: logger).collect()
            }
            guard let connection = connections.first else { return nil }
            let rows = try await connection.query("SELECT wal_sync::int8 FROM pg_stat_wal", logger: logger).collect()
            return try rows.first?.decode(Int.self)
        } catch {
            return nil
        }
    }

    static func close(_ connections: [PostgresConnection]) async {
        for connection in connections { try? await connection.close() }
    }

    /// Runs `body` on one new connection, then closes it.
    static func withConnection<R>(_ url: String, _ body: (PostgresConnection) async throws -> R) async throws -> R {
        let connections = try await connect(url, count: 1)
        do {
            let result = try await body(connections[0])
            await close(connections)
            return result
        } catch {
            await close(connections)
            throw error
        }
    }
}

/// What a published PostgreSQL number ran on, read from the server itself (`SHOW …`), so a table
/// says whether commits waited for the disk.
struct PostgresServerSettings: Sendable {
    let version: String
    let fsync: String
    let synchronousCommit: String
    let fullPageWrites: String

    /// PostgreSQL's production settings: every commit waits for its WAL flush, and a crash
    /// neither loses a committed row nor corrupts the cluster.
    var isDurable: Bool { fsync == "on" && synchronousCommit != "off" && fullPageWrites == "on" }

    /// `fsync=on, synchronous_commit=on, full_page_writes=on`.
    var durability: String { "fsync=\(fsync), synchronous_commit=\(synchronousCommit), full_page_writes=\(fullPageWrites)" }

    /// One line for the reports.
    var summary: String {
        "PostgreSQL \(version), \(durability) (read from the server): "
            + (isDurable
                ? "production durability, every commit waits for its WAL flush"
                : "NOT durable, commits do not wait for the disk; production numbers will be lower")
    }

    /// The settings of the server `url` names.
    static func read(_ url: String) async throws -> PostgresServerSettings {
        try await PostgresDirect.withConnection(url) { connection in
            func show(_ name: String) async throws -> String {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: "SHOW \(name)"), logger: PostgresDirect.logger).collect()
                guard let value = try rows.first?.decode(String.self) else { throw BenchFailure("SHOW \(name) returned no row") }
                return value
            }
            return PostgresServerSettings(
                version: try await show("server_version"), fsync: try await show("fsync"),
                synchronousCommit: try await show("synchronous_commit"), fullPageWrites: try await show("full_page_writes"))
        }
    }

    /// Whether a scenario ran on PostgreSQL (its row then carries these settings).
    static func applies(to scenario: String) -> Bool {
        scenario.contains("postgres") || scenario.hasPrefix("floor.durable.")
    }
}
