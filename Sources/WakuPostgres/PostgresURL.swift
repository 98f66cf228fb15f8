#if Postgres
import Foundation

/// A parsed `postgres://user:password@host:port/database?…` connection URL.
///
/// Query parameters understood: `sslmode` (`disable`, `allow`, `prefer` — the default, as in
/// libpq —, `require`, `verify-ca`, `verify-full`), `schema` (where the store keeps its tables; a
/// waku extension), `connect_timeout` (seconds) and `host` (a unix socket directory or path).
/// `application_name` is passed to the server. Anything else is rejected, so a typo does not
/// silently change behaviour.
struct PostgresURL: Sendable, Equatable {
    enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    /// A unix domain socket path (`…/.s.PGSQL.5432`), when `host` names a directory.
    var unixSocketPath: String?
    var username: String
    var password: String?
    var database: String
    var sslMode: SSLMode = .prefer
    var schema: String?
    var connectTimeout: Duration?
    var applicationName: String?

    /// `host:port/database`, never the password: for error messages and logs.
    var displayName: String {
        if let unixSocketPath { return "\(unixSocketPath)/\(database)" }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(shownHost):\(port)/\(database)"
    }

    static let expectedForm = "postgres://USER:PASSWORD@HOST:PORT/DATABASE"

    init(
        host: String, port: Int, unixSocketPath: String? = nil, username: String, password: String?, database: String,
        sslMode: SSLMode = .prefer, schema: String? = nil, connectTimeout: Duration? = nil, applicationName: String? = nil
    ) {
        self.host = host
        self.port = port
        self.unixSocketPath = unixSocketPath
        self.username = username
        self.password = password
        self.database = database
        self.sslMode = sslMode
        self.schema = schema
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
    }

    /// Parses `string`, or throws ``PostgresURLError`` naming what is wrong (never echoing the password).
    init(parsing string: String) throws(PostgresURLError) {
        let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let components = URLComponents(string: trimmed) else {
            throw PostgresURLError(problem: "it is not a valid URL")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresURLError(problem: "the scheme must be postgres:// or postgresql://")
        }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw PostgresURLError(problem: "it names no user")
        }
        username = user
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        var rawHost = components.percentEncodedHost.flatMap { $0.removingPercentEncoding } ?? ""
        if rawHost.hasPrefix("["), rawHost.hasSuffix("]") { rawHost = String(rawHost.dropFirst().dropLast()) }
        host = rawHost
        port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw PostgresURLError(problem: "port \(port) is out of range") }
        let path = components.percentEncodedPath.removingPercentEncoding ?? components.percentEncodedPath
        let name = path.hasPrefix("/") ? String(path.dropFirst()) : path
        guard !name.contains("/") else { throw PostgresURLError(problem: "the database name '\(name)' contains '/'") }
        database = name.isEmpty ? user : name

        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw PostgresURLError(problem: "sslmode '\(value)' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "schema":
                guard PostgresSchema.isValidIdentifier(value) else {
                    throw PostgresURLError(problem: "schema '\(value)' is not a plain identifier (letters, digits and _, at most 63)")
                }
                schema = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw PostgresURLError(problem: "connect_timeout '\(value)' is not a positive number of seconds")
                }
                connectTimeout = .seconds(seconds)
            case "application_name":
                applicationName = value
            case "host":
                if value.hasPrefix("/") {
                    unixSocketPath = value.hasSuffix(".s.PGSQL.\(port)") ? value : value + "/.s.PGSQL.\(port)"
                } else {
                    host = value
                }
            default:
                throw PostgresURLError(
                    problem: "the parameter '\(item.name)' is not supported (use sslmode, schema, connect_timeout, application_name or host)")
            }
        }
        guard !host.isEmpty || unixSocketPath != nil else { throw PostgresURLError(problem: "it names no host") }
    }
}

/// A malformed PostgreSQL connection URL. The description never contains the password.
public struct PostgresURLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the URL, never quoting the password.
    public let problem: String

    /// The problem, the expected form of the URL and an example.
    public var description: String {
        "Invalid PostgreSQL URL: \(problem). Expected \(PostgresURL.expectedForm), e.g. postgres://app:secret@127.0.0.1:5432/app"
    }
}
#endif
