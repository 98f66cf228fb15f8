#if SQLite && Postgres
import Foundation
import WakuMessaging

/// The command line of `waku-admin`.
struct AdminOptions: Sendable {
    /// Which dead letters a replay or purge acts on.
    enum Selection: Sendable, Equatable {
        /// These row ids; each must be a dead letter.
        case ids([Int64])
        /// Every dead letter (`--all`).
        case all
        /// The dead letters the filter options match.
        case filter(DeadLetterFilter)
    }

    enum Command: Sendable, Equatable {
        case help
        case status(endpoint: String?)
        case deadList(DeadLetterFilter, limit: Int?)
        case deadShow(id: Int64)
        case deadReplay(Selection, dryRun: Bool)
        case deadPurge(Selection, dryRun: Bool, confirmed: Bool)
    }

    var store = ""
    var json = false
    var verbose = false
    var command: Command = .help

    /// Environment variable read when `--store` is not given.
    static let storeVariable = "WAKU_ADMIN_STORE"

    static let usage = """
        usage: waku-admin [--store STORE] [--json] COMMAND

        Inspect and repair the durable endpoints of a swift-waku store, while workers run.

          --store postgres://USER:PASSWORD@HOST:PORT/DB[?schema=NAME] | sqlite:PATH
                                 the durable store (default: $WAKU_ADMIN_STORE)
          --json                 print one JSON document on stdout instead of tables
          --verbose              log the store's diagnostics on stderr

        commands:
          status [--endpoint E]  rows per endpoint (pending, scheduled, in flight, handled,
                                 dead), then the claims in flight: lease owner, row, message
                                 type, handler, how long it has run, how long its lease has left
          dead list [FILTERS] [--limit N]
                                 dead letters, oldest first
          dead show ID           one dead letter: attempts, last error, first and last
                                 attempt, headers and payload
          dead replay (ID... | --all | FILTERS) [--dry-run]
                                 make dead letters pending again (attempts reset, due now);
                                 --dry-run lists what would be replayed and changes nothing
          dead purge (ID... | --all | FILTERS) [--dry-run] [--yes]
                                 delete dead letters for good; without --yes it only says
                                 how many it would delete, and exits with 2
          help                   this text

        filters (combined with AND):
          --endpoint E           rows of endpoint E
          --message-type T       rows of the stored message type name T
          --handler H            rows for handler H
          --error TEXT           rows whose last error contains TEXT (ignoring case)
          --older-than AGE       rows dead-lettered at least AGE ago: 30s, 10m, 2h, 3d

        exit codes:
          0  success (also when nothing matched)
          1  the operation failed: store unreachable, misconfigured, or a query failed
          2  usage error, or refused (dead purge without --yes)
          3  not found: dead show or dead replay/purge of an id that is not a dead letter

        examples:
          waku-admin --store sqlite:data/waku.sqlite status
          waku-admin --store "$DATABASE_URL" dead list --endpoint fulfilment --error timeout
          waku-admin dead replay --message-type orders.order-placed.v1 --dry-run
          waku-admin dead purge --older-than 30d --yes
        """

    struct UsageError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Flags that take a value, as `--flag VALUE` or `--flag=VALUE`.
    private static let valued: Set<String> = [
        "--store", "--endpoint", "--message-type", "--handler", "--error", "--older-than", "--limit",
    ]
    private static let switches: Set<String> = ["--json", "--verbose", "--dry-run", "--yes", "--all", "--help", "-h"]

    static func parse(_ arguments: [String], environment: [String: String]) throws(UsageError) -> AdminOptions {
        var options = AdminOptions()
        var words: [String] = []
        var values: [String: String] = [:]
        var flags = Set<String>()
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            if argument == "--" {
                words += remaining
                break
            }
            guard argument.hasPrefix("-"), argument.count > 1 else {
                words.append(argument)
                continue
            }
            var flag = argument
            var inline: String?
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                flag = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            }
            if valued.contains(flag) {
                guard let value = inline ?? remaining.popFirst() else { throw UsageError(message: "\(flag) needs a value") }
                guard values[flag] == nil else { throw UsageError(message: "\(flag) is given twice") }
                values[flag] = value
            } else if switches.contains(flag), inline == nil {
                flags.insert(flag)
            } else {
                throw UsageError(message: "unknown option '\(flag)'")
            }
        }
        options.json = flags.contains("--json")
        options.verbose = flags.contains("--verbose")
        if flags.contains("--help") || flags.contains("-h") || words.first == "help" {
            options.command = .help
            return options
        }
        guard !words.isEmpty else { throw UsageError(message: "name a command: status, dead list, dead show, dead replay or dead purge") }
        options.store = values["--store"] ?? environment[storeVariable] ?? ""
        guard !options.store.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw UsageError(message: "name the store with --store postgres://… or --store sqlite:PATH (or set \(storeVariable))")
        }

        var used: Set<String> = ["--store", "--json", "--verbose"]
        func value(_ flag: String) -> String? {
            used.insert(flag)
            return values[flag]
        }
        func flag(_ name: String) -> Bool {
            used.insert(name)
            return flags.contains(name)
        }
        func filter() throws(UsageError) -> DeadLetterFilter {
            var filter = DeadLetterFilter()
            filter.endpoint = try nonEmpty(value("--endpoint"), "--endpoint")
            filter.messageType = try nonEmpty(value("--message-type"), "--message-type")
            filter.handler = try nonEmpty(value("--handler"), "--handler")
            filter.errorContains = try nonEmpty(value("--error"), "--error")
            if let age = value("--older-than") { filter.olderThan = try parseAge(age) }
            return filter
        }
        func ids(_ words: ArraySlice<String>) throws(UsageError) -> [Int64] {
            var ids: [Int64] = []
            for word in words {
                guard let id = Int64(word), id > 0 else {
                    throw UsageError(message: "'\(word)' is not a dead letter id (a positive whole number)")
                }
                ids.append(id)
            }
            return ids
        }
        /// IDs, `--all` or filters: exactly one of them.
        func selection(_ words: ArraySlice<String>, verb: String) throws(UsageError) -> Selection {
            let ids = try ids(words)
            let all = flag("--all")
            let filter = try filter()
            let forms = (ids.isEmpty ? 0 : 1) + (all ? 1 : 0) + (filter.isEmpty ? 0 : 1)
            guard forms == 1 else {
                throw UsageError(message: forms == 0
                    ? "dead \(verb) needs dead letter ids, --all, or filters (--endpoint, --message-type, --handler, --error, --older-than)"
                    : "dead \(verb) takes dead letter ids, --all or filters, not several of them")
            }
            if all { return .all }
            return ids.isEmpty ? .filter(filter) : .ids(ids)
        }

        switch (words.first, words.dropFirst().first) {
        case ("status", _):
            guard words.count == 1 else { throw UsageError(message: "status takes no arguments, got '\(words[1])'") }
            options.command = .status(endpoint: try nonEmpty(value("--endpoint"), "--endpoint"))
        case ("dead", "list"):
            guard words.count == 2 else { throw UsageError(message: "dead list takes filters, not '\(words[2])'") }
            var limit: Int?
            if let text = value("--limit") {
                guard let number = Int(text), number > 0 else { throw UsageError(message: "--limit needs a whole number ≥ 1, got '\(text)'") }
                limit = number
            }
            options.command = .deadList(try filter(), limit: limit)
        case ("dead", "show"):
            guard words.count == 3, let id = try ids(words.dropFirst(2)).first else {
                throw UsageError(message: "dead show takes one dead letter id")
            }
            options.command = .deadShow(id: id)
        case ("dead", "replay"):
            options.command = .deadReplay(try selection(words.dropFirst(2), verb: "replay"), dryRun: flag("--dry-run"))
        case ("dead", "purge"):
            options.command = .deadPurge(
                try selection(words.dropFirst(2), verb: "purge"), dryRun: flag("--dry-run"), confirmed: flag("--yes"))
        case ("dead", let sub?):
            throw UsageError(message: "unknown dead letter command '\(sub)' (list, show, replay, purge)")
        case ("dead", nil):
            throw UsageError(message: "dead needs a command: list, show, replay or purge")
        case (let word?, _):
            throw UsageError(message: "unknown command '\(word)' (status, dead, help)")
        case (nil, _):
            throw UsageError(message: "name a command: status, dead list, dead show, dead replay or dead purge")
        }
        let unused = Set(values.keys).union(flags).subtracting(used).sorted()
        if let first = unused.first {
            throw UsageError(message: "\(first) does not apply to \(words.prefix(2).joined(separator: " "))")
        }
        return options
    }

    private static func nonEmpty(_ value: String?, _ flag: String) throws(UsageError) -> String? {
        guard let value else { return nil }
        guard !value.isEmpty else { throw UsageError(message: "\(flag) needs a non-empty value") }
        return value
    }

    /// `30s`, `10m`, `2h`, `3d` (a whole or decimal number and a unit).
    static func parseAge(_ text: String) throws(UsageError) -> Duration {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last, let factor = units[unit], let number = Double(text.dropLast()),
              number.isFinite, number >= 0, number * factor < 1e12 else {
            throw UsageError(message: "--older-than needs an age such as 30s, 10m, 2h or 3d, got '\(text)'")
        }
        return .milliseconds(Int64((number * factor * 1_000).rounded()))
    }
}
#endif
