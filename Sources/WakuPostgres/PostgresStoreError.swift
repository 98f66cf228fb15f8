#if Postgres
import PostgresNIO
import WakuMessaging

/// A statement of the PostgreSQL store failed on the server (the database was reachable).
///
/// postgres-nio hides server messages behind a generic description so they do not leak to end
/// users by accident; this error carries the SQLSTATE and the server's message (no query text,
/// no bound values) so logs say what went wrong.
public struct PostgresStoreError: Error, Sendable, CustomStringConvertible {
    /// What the store was doing, e.g. "claim".
    public let operation: String
    /// The SQLSTATE code, e.g. "42P01" (undefined table).
    public let sqlState: String?
    /// The server's message.
    public let message: String

    /// The operation, the server's message and the SQLSTATE, without query text or bound values.
    public var description: String {
        "PostgreSQL \(operation) failed: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }

    /// Translates a postgres-nio error into a readable one: ``DurableStoreUnavailable`` when the
    /// database cannot be reached or refuses the login, ``PostgresStoreError`` for a failed
    /// statement, and anything else unchanged.
    static func translate(_ error: any Error, operation: String, store: String, user: String?, database: String?) -> any Error {
        if error is DurableStoreUnavailable || error is PostgresStoreError || error is CancellationError { return error }
        if error is ConnectionClosed {
            return DurableStoreUnavailable(
                store: store, reason: "the connection closed before the statement completed",
                fix: "The server went away or restarted; operations resume once it is back.")
        }
        // ConnectionPoolError lives in postgres-nio's underscored pool module; recognise it by name.
        let poolError = String(reflecting: error)
        if String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError") {
            if poolError.contains("poolShutdown") {
                return DurableStoreUnavailable(store: store, reason: "the store was shut down", fix: "Do not use the store after shutdown().")
            }
            if poolError.contains("connectionCreationCircuitBreakerTripped") {
                return DurableStoreUnavailable(
                    store: store, reason: "no connection could be made for a while (the pool's circuit breaker is open)",
                    fix: "Check that PostgreSQL is running and reachable; the pool keeps retrying.")
            }
            return error
        }
        guard let psql = error as? PSQLError else { return error }
        switch psql.code {
        case .server:
            let state = psql.serverInfo?[.sqlState]
            let message = psql.serverInfo?[.message] ?? "server error"
            if let unavailable = loginFailure(state: state, message: message, store: store, user: user, database: database) {
                return unavailable
            }
            return PostgresStoreError(operation: operation, sqlState: state, message: message)
        case .connectionError:
            return DurableStoreUnavailable(
                store: store, reason: "could not connect: \(describe(psql.underlying))",
                fix: "Check that PostgreSQL is running and accepts TCP connections at that host and port (listen_addresses, port, firewall).")
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return DurableStoreUnavailable(
                store: store, reason: "the connection was closed (\(psql.code))" + (psql.underlying.map { ": \(describe($0))" } ?? ""),
                fix: "The server went away or restarted; operations resume once it is back.")
        case .poolClosed:
            return DurableStoreUnavailable(store: store, reason: "the store was shut down", fix: "Do not use the store after shutdown().")
        case .sslUnsupported:
            return DurableStoreUnavailable(
                store: store, reason: "the server does not support TLS, but the connection requires it",
                fix: "Enable ssl on the server, or use sslmode=prefer or sslmode=disable in the URL.")
        case .failedToAddSSLHandler:
            return DurableStoreUnavailable(
                store: store, reason: "TLS could not be set up: \(describe(psql.underlying))",
                fix: "Check the TLS configuration (certificates, sslmode).")
        case .authMechanismRequiresPassword:
            return DurableStoreUnavailable(
                store: store, reason: "the server asks for a password but none was given",
                fix: "Add the password to the URL: \(PostgresURL.expectedForm).")
        case .unsupportedAuthMechanism:
            return DurableStoreUnavailable(
                store: store, reason: "the server asks for an authentication method postgres-nio does not support",
                fix: "Use scram-sha-256, md5 or trust for this user in pg_hba.conf.")
        case .saslError:
            return DurableStoreUnavailable(
                store: store, reason: "SCRAM authentication failed: \(describe(psql.underlying))",
                fix: "Check the user name and password.")
        default:
            return PostgresStoreError(operation: operation, sqlState: nil, message: "\(psql.code)" + (psql.underlying.map { ": \(describe($0))" } ?? ""))
        }
    }

    /// Server errors that mean "you cannot use this database", with the fix for each.
    private static func loginFailure(state: String?, message: String, store: String, user: String?, database: String?) -> DurableStoreUnavailable? {
        let userName = user.map { "'\($0)'" } ?? "the user"
        switch state {
        case "28P01":
            // PostgreSQL answers the same for an unknown role, so as not to reveal which exist.
            return DurableStoreUnavailable(
                store: store, reason: "wrong password or unknown user: \(message)",
                fix: "Check the user name and password for \(userName) in the URL (\(PostgresURL.expectedForm)).")
        case "28000":
            return DurableStoreUnavailable(
                store: store, reason: "login rejected: \(message)",
                fix: "Check that the role \(userName) exists and that pg_hba.conf allows it from this host (and with this sslmode).")
        case "3D000":
            let name = database.map { "'\($0)'" } ?? "the database"
            return DurableStoreUnavailable(
                store: store, reason: "the database does not exist: \(message)",
                fix: "Create it (CREATE DATABASE \(database ?? "name")) or fix the database name \(name) in the URL.")
        case "57P03":
            return DurableStoreUnavailable(
                store: store, reason: "the server is starting up or shutting down: \(message)", fix: "Retry once the server is up.")
        case "53300":
            return DurableStoreUnavailable(
                store: store, reason: "too many connections: \(message)",
                fix: "Raise max_connections on the server or lower maximumConnections in the store options.")
        case "57P01", "57P02":
            return DurableStoreUnavailable(
                store: store, reason: "the server terminated the connection: \(message)",
                fix: "The server is shutting down or restarting; operations resume once it is back.")
        case "42501":
            return DurableStoreUnavailable(
                store: store, reason: "permission denied: \(message)",
                fix: "Grant \(userName) CREATE on the database or schema (the store creates its tables at start-up), or create them with a privileged user.")
        default:
            return nil
        }
    }

    /// A readable description of an underlying (NIO) error.
    private static func describe(_ error: (any Error)?) -> String {
        guard let error else { return "unknown error" }
        let text = String(describing: error)
        return text.count > 400 ? String(text.prefix(400)) + "…" : text
    }
}
#endif
