import Foundation

/// `--json PATH`: an array with one object per scenario, keys in a fixed order.
///
/// Always present: `name`, `unit` ("ns/op" | "msg/s" | "B/msg"), `median`, `p99` (null when
/// operations were not timed one by one), `baseline` (its name, or null), `ratio` (median /
/// baseline median from the same run, or null). Also always: `p50`, `iterations`. Only where they
/// apply: `competitor` + `competitorRatio`; with `--peers`, `peer` + `peerRatio` on ours that
/// have a Python counterpart; `target` (text) + `targetMet` (true, false, or null when not
/// measured) on scenarios with a target; `postgres` (the server's version, `fsync`,
/// `synchronous_commit` and `full_page_writes`, as read from it) on rows that ran on PostgreSQL;
/// `skipped` (why it did not run); `note`.
enum JSONReport {
    static func write(_ results: [ScenarioResult], to path: String) throws {
        let body = results.map { "  " + object($0) }.joined(separator: ",\n")
        let text = "[\n" + body + "\n]\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func object(_ result: ScenarioResult) -> String {
        var fields: [(String, String)] = [
            ("name", string(result.name)),
            ("unit", string(result.unit.rawValue)),
            ("median", number(result.median)),
            ("p50", number(result.p50)),
            ("p99", number(result.p99)),
            ("baseline", result.baseline.map(string) ?? "null"),
            ("ratio", number(result.ratio)),
            ("iterations", String(result.iterations)),
        ]
        if let competitor = result.competitor {
            fields.append(("competitor", string(competitor)))
            fields.append(("competitorRatio", number(result.competitorRatio)))
        }
        if let peer = result.peer {
            fields.append(("peer", string(peer)))
            fields.append(("peerRatio", number(result.peerRatio)))
        }
        if let target = result.target {
            fields.append(("target", string(target)))
            fields.append(("targetMet", result.targetStatus.map { $0 == .unmeasured ? "null" : String($0 == .met) } ?? "null"))
        }
        if let postgres = result.postgres {
            let settings = [
                ("version", postgres.version), ("fsync", postgres.fsync), ("synchronous_commit", postgres.synchronousCommit),
                ("full_page_writes", postgres.fullPageWrites),
            ]
            fields.append(("postgres", "{" + settings.map { "\(string($0.0)): \(string($0.1))" }.joined(separator: ", ") + "}"))
        }
        if let skipped = result.skipped { fields.append(("skipped", string(skipped))) }
        if let note = result.note { fields.append(("note", string(note))) }
        return "{" + fields.map { "\(string($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    private static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        return "\(value)"
    }

    private static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
