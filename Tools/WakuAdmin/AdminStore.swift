#if SQLite && Postgres
import Foundation
import Logging
import WakuMessaging
import WakuPostgres
import WakuSQLite

/// The store named by `--store`: PostgreSQL, or an SQLite file.
enum AdminStore {
    case postgres(PostgresDurableStore)
    case sqlite(SQLiteDurableStore)

    /// A store could not be opened for a reason that is not a usage error (exit code 1).
    struct OpenFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Opens the store `spec` names. Throws ``AdminOptions/UsageError`` for a malformed spec and
    /// ``OpenFailed`` for a missing SQLite file; neither message contains the password.
    static func open(_ spec: String, logger: Logger) throws -> AdminStore {
        let trimmed = spec.trimmingCharacters(in: .whitespacesAndNewlines)
        let lowered = trimmed.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            do {
                var options = PostgresDurableStore.Options()
                // An operator waits for an answer: fail within seconds, not after the default 10 s.
                options.acquireTimeout = .seconds(5)
                options.maximumConnections = 2
                return .postgres(try PostgresDurableStore(url: trimmed, options: options, logger: logger))
            } catch {
                throw AdminOptions.UsageError(message: "--store \(masked(trimmed)) is not usable: \(error)")
            }
        }
        if lowered.hasPrefix("sqlite:") {
            let path = String(trimmed.dropFirst("sqlite:".count))
            guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw AdminOptions.UsageError(message: "--store sqlite: needs the path of the database file, e.g. sqlite:data/waku.sqlite")
            }
            guard path != ":memory:", !path.hasPrefix("file::memory:") else {
                throw AdminOptions.UsageError(
                    message: "--store \(trimmed) is an in-memory database, private to this process; name the file the workers use")
            }
            // Never create an empty store where the operator mistyped a path.
            guard FileManager.default.fileExists(atPath: path) else {
                throw OpenFailed(description: "no SQLite file at \(path); name the file the workers use")
            }
            return .sqlite(SQLiteDurableStore(path: path, blockingThreads: 2, logger: logger))
        }
        throw AdminOptions.UsageError(message: "--store must be postgres://… or sqlite:PATH, got '\(masked(trimmed))'")
    }

    var administration: any DurableStoreAdministration {
        switch self {
        case .postgres(let store): store
        case .sqlite(let store): store
        }
    }

    /// Where the store lives, without secrets.
    var displayName: String {
        switch self {
        case .postgres(let store): store.displayName
        case .sqlite(let store): "SQLite file \(store.path)"
        }
    }

    func shutdown() async {
        await administration.shutdown()
    }

    // MARK: Secrets

    /// The password part of a `scheme://user:password@host…` URL, or `nil`. Taken generously (up
    /// to the last `@`), so a password holding `/`, `?` or `@` is still found whole.
    static func password(in spec: String) -> Substring? {
        guard let scheme = spec.range(of: "://") else { return nil }
        let rest = spec[scheme.upperBound...]
        guard let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") else { return nil }
        let password = rest[rest.index(after: colon)..<at]
        return password.isEmpty ? nil : password
    }

    /// `spec` with its password replaced by `***`: `postgres://user:***@host:port/db`.
    static func masked(_ spec: String) -> String {
        guard let password = password(in: spec) else { return spec }
        return String(spec[..<password.startIndex]) + "***" + String(spec[password.endIndex...])
    }

    /// `text` with every occurrence of the password of `spec` replaced by `***`: a last guard
    /// for messages that quote something the user typed.
    static func redact(_ text: String, secretOf spec: String) -> String {
        guard let password = password(in: spec) else { return text }
        var result = text.replacingOccurrences(of: String(password), with: "***")
        if let decoded = password.removingPercentEncoding, !decoded.isEmpty, decoded != String(password) {
            result = result.replacingOccurrences(of: decoded, with: "***")
        }
        return result
    }
}
#endif
