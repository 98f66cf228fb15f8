#if SQLite && Postgres
import Foundation
import WakuMessaging

/// What a command ends with: the process exit code scripts can rely on.
enum ExitCode: Int32 {
    /// Done; also when nothing matched.
    case success = 0
    /// The operation failed: the store is unreachable or misconfigured, or a query failed.
    case failed = 1
    /// The command line is wrong, or the command refused (a purge without `--yes`).
    case usage = 2
    /// An id named on the command line is not a dead letter.
    case notFound = 3
}

/// Writes results to stdout and problems to stderr, as text or as one JSON document.
struct Console {
    let json: Bool
    /// The `--store` value, so messages never show its password.
    let storeSpec: String

    func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    func document(_ value: JSONValue) {
        out(value.rendered())
    }

    /// Reports a problem on stderr (and, with `--json`, as `{"error": …, "exitCode": …}` on
    /// stdout); returns `code`.
    @discardableResult
    func fail(_ code: ExitCode, _ message: String) -> ExitCode {
        let safe = AdminStore.redact(message, secretOf: storeSpec)
        FileHandle.standardError.write(Data("waku-admin: \(safe)\n".utf8))
        if json { document(.object(["error": .string(safe), "exitCode": .int(Int(code.rawValue))])) }
        return code
    }
}

/// The commands of `waku-admin`, on an opened store.
struct AdminCommands {
    let store: AdminStore
    let console: Console

    private var administration: any DurableStoreAdministration { store.administration }

    func run(_ command: AdminOptions.Command) async -> ExitCode {
        do {
            try await store.administration.prepare()
        } catch {
            return console.fail(.failed, "cannot open \(store.displayName): \(error)")
        }
        do {
            switch command {
            case .help:
                console.out(AdminOptions.usage)
                return .success
            case .status(let endpoint):
                return try await status(endpoint: endpoint)
            case .deadList(let filter, let limit):
                return try await list(filter, limit: limit)
            case .deadShow(let id):
                return try await show(id)
            case .deadReplay(let selection, let dryRun):
                return try await replay(selection, dryRun: dryRun)
            case .deadPurge(let selection, let dryRun, let confirmed):
                return try await purge(selection, dryRun: dryRun, confirmed: confirmed)
            }
        } catch {
            return console.fail(.failed, "failed on \(store.displayName): \(error)")
        }
    }

    // MARK: status

    private func status(endpoint: String?) async throws -> ExitCode {
        var statistics = try await administration.statistics()
        if let endpoint {
            statistics = statistics.filter { $0.endpoint == endpoint }
            if statistics.isEmpty { statistics = [DurableEndpointStatistics(endpoint: endpoint)] }
        }
        let leases = try await administration.leases(endpoint: endpoint)
        if console.json {
            console.document(.object([
                "store": .string(store.displayName),
                "endpoints": .array(statistics.map(JSONValue.statistics)),
                "leases": .array(leases.map(JSONValue.lease)),
            ]))
            return .success
        }
        var text = "Durable store: \(store.displayName)\n\n"
        if statistics.isEmpty {
            text += "No deliveries stored yet."
        } else {
            text += Text.table(
                ["ENDPOINT", "PENDING", "SCHEDULED", "IN FLIGHT", "HANDLED", "DEAD"],
                statistics.map { [$0.endpoint, "\($0.pending)", "\($0.scheduled)", "\($0.inFlight)", "\($0.handled)", "\($0.dead)"] },
                rightAligned: [1, 2, 3, 4, 5])
        }
        text += "\n\n"
        if leases.isEmpty {
            text += "No claims in flight."
        } else {
            text += "In flight (\(Text.plural(leases.count, "lease"))):\n"
            text += Text.table(
                ["OWNER", "ROW", "ENDPOINT", "MESSAGE TYPE", "HANDLER", "ATTEMPT", "RUNNING", "LEASE LEFT"],
                leases.map {
                    [$0.owner, "\($0.id)", $0.endpoint, $0.messageType, $0.handler, "\($0.attempts)",
                     $0.running.map(Text.duration) ?? "-", Text.duration($0.remaining)]
                },
                rightAligned: [1, 5, 6, 7])
        }
        console.out(text)
        return .success
    }

    // MARK: dead list / show

    private func list(_ filter: DeadLetterFilter, limit: Int?) async throws -> ExitCode {
        // One more than asked for, to tell whether the list was cut.
        var deadLetters = try await administration.deadLetters(matching: filter, limit: limit.map { $0 + 1 })
        let truncated = limit.map { deadLetters.count > $0 } ?? false
        if let limit, truncated { deadLetters = Array(deadLetters.prefix(limit)) }
        if console.json {
            console.document(.object([
                "store": .string(store.displayName),
                "count": .int(deadLetters.count),
                "truncated": .bool(truncated),
                "deadLetters": .array(deadLetters.map { .deadLetter($0, full: false) }),
            ]))
            return .success
        }
        guard !deadLetters.isEmpty else {
            console.out(filter.isEmpty ? "No dead letters." : "No dead letters match.")
            return .success
        }
        var text = table(deadLetters)
        text += "\n\n\(Text.plural(deadLetters.count, "dead letter"))"
        if truncated { text += " shown; there are more (raise --limit)" }
        text += ". Details: waku-admin dead show ID"
        console.out(text)
        return .success
    }

    private func table(_ deadLetters: [DeadLetter]) -> String {
        let now = Date()
        return Text.table(
            ["ID", "ENDPOINT", "MESSAGE TYPE", "HANDLER", "ATTEMPTS", "DEAD FOR", "LAST ERROR"],
            deadLetters.map {
                ["\($0.id)", $0.endpoint, $0.messageType, $0.handler, "\($0.attempts)",
                 $0.deadLetteredAt.map { Text.duration(now.timeIntervalSince($0)) } ?? "-", Text.short($0.lastError)]
            },
            rightAligned: [0, 4, 5])
    }

    private func show(_ id: Int64) async throws -> ExitCode {
        guard let deadLetter = try await administration.deadLetter(id: id) else {
            return console.fail(.notFound, "no dead letter with id \(id) (it may have been replayed or purged)")
        }
        if console.json {
            console.document(.object(["store": .string(store.displayName), "deadLetter": .deadLetter(deadLetter, full: true)]))
            return .success
        }
        let now = Date()
        let headers = deadLetter.headers.isEmpty
            ? "-" : deadLetter.headers.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        let payload = String(data: deadLetter.payload, encoding: .utf8)
            ?? "(\(deadLetter.payload.count) bytes, not UTF-8; base64) \(deadLetter.payload.base64EncodedString())"
        let lines = [
            "Dead letter \(deadLetter.id)",
            "  message id     \(deadLetter.messageId)",
            "  endpoint       \(deadLetter.endpoint)",
            "  message type   \(deadLetter.messageType)",
            "  handler        \(deadLetter.handler)",
            "  group          \(deadLetter.groupId ?? "-")",
            "  attempts       \(deadLetter.attempts)",
            "  stored         \(Text.date(deadLetter.createdAt, now: now))",
            "  first attempt  \(Text.date(deadLetter.firstAttemptAt, now: now))",
            "  last attempt   \(Text.date(deadLetter.lastAttemptAt, now: now))",
            "  dead-lettered  \(Text.date(deadLetter.deadLetteredAt, now: now))",
            "  headers        \(headers)",
            "  last error",
            indent(deadLetter.lastError ?? "-"),
            "  payload (\(Text.plural(deadLetter.payload.count, "byte")))",
            indent(payload),
        ]
        console.out(lines.joined(separator: "\n"))
        return .success
    }

    private func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    }

    // MARK: dead replay / purge

    /// The filter for `selection`; `nil` after reporting ids that are not dead letters.
    private func resolve(_ selection: AdminOptions.Selection) async throws -> DeadLetterFilter? {
        switch selection {
        case .all:
            return DeadLetterFilter()
        case .filter(let filter):
            return filter
        case .ids(let ids):
            let found = Set(try await administration.deadLetters(matching: DeadLetterFilter(ids: ids), limit: nil).map(\.id))
            let missing = ids.filter { !found.contains($0) }
            guard missing.isEmpty else {
                console.fail(.notFound, "no dead letter with id \(missing.map(String.init).joined(separator: ", ")); nothing changed")
                return nil
            }
            return DeadLetterFilter(ids: ids)
        }
    }

    private func replay(_ selection: AdminOptions.Selection, dryRun: Bool) async throws -> ExitCode {
        guard let filter = try await resolve(selection) else { return .notFound }
        if dryRun {
            let matches = try await administration.deadLetters(matching: filter, limit: nil)
            report("dead replay", dryRun: true, refused: false, count: matches.count, ids: matches.map(\.id))
            if !console.json {
                console.out(matches.isEmpty
                    ? "Dry run: no dead letters match; nothing would be replayed."
                    : table(matches) + "\n\nDry run: would replay \(Text.plural(matches.count, "dead letter")). Nothing changed.")
            }
            return .success
        }
        let count = try await administration.replayDeadLetters(matching: filter)
        report("dead replay", dryRun: false, refused: false, count: count, ids: nil)
        if !console.json {
            console.out(count == 0
                ? "No dead letters match; nothing replayed."
                : "Replayed \(Text.plural(count, "dead letter")): pending again with attempts reset; workers take them at their next claim.")
        }
        return .success
    }

    private func purge(_ selection: AdminOptions.Selection, dryRun: Bool, confirmed: Bool) async throws -> ExitCode {
        guard let filter = try await resolve(selection) else { return .notFound }
        if dryRun || !confirmed {
            let matches = try await administration.deadLetters(matching: filter, limit: nil)
            if dryRun {
                report("dead purge", dryRun: true, refused: false, count: matches.count, ids: matches.map(\.id))
                if !console.json {
                    console.out(matches.isEmpty
                        ? "Dry run: no dead letters match; nothing would be purged."
                        : table(matches) + "\n\nDry run: would purge \(Text.plural(matches.count, "dead letter")). Nothing changed.")
                }
                return .success
            }
            guard !matches.isEmpty else {
                report("dead purge", dryRun: false, refused: false, count: 0, ids: [])
                if !console.json { console.out("No dead letters match; nothing to purge.") }
                return .success
            }
            report("dead purge", dryRun: false, refused: true, count: matches.count, ids: matches.map(\.id))
            FileHandle.standardError.write(Data(
                """
                waku-admin: refusing to purge without --yes: it would delete \(Text.plural(matches.count, "dead letter")) for good. \
                Run again with --yes to delete them, or with --dry-run to list them.\n
                """.utf8))
            return .usage
        }
        let count = try await administration.purgeDeadLetters(matching: filter)
        report("dead purge", dryRun: false, refused: false, count: count, ids: nil)
        if !console.json {
            console.out(count == 0 ? "No dead letters match; nothing purged." : "Purged \(Text.plural(count, "dead letter")).")
        }
        return .success
    }

    /// The JSON document of a replay or purge: `count` is what was (or, in a dry run or a
    /// refusal, would be) changed; `ids` lists them when known beforehand, else `null`.
    private func report(_ command: String, dryRun: Bool, refused: Bool, count: Int, ids: [Int64]?) {
        guard console.json else { return }
        console.document(.object([
            "store": .string(store.displayName),
            "command": .string(command),
            "dryRun": .bool(dryRun),
            "refused": .bool(refused),
            "count": .int(count),
            "ids": ids.map { .array($0.map { .int($0) }) } ?? .null,
        ]))
    }
}
#endif
