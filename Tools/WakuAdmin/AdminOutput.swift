#if SQLite && Postgres
import Foundation
import WakuMessaging

/// A JSON value with every key spelled out: `null` is written, never left out, so scripts can
/// rely on the same keys in every document.
enum JSONValue: Encodable, Sendable {
    case string(String)
    case int(Int64)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let values): try container.encode(values)
        case .object(let values): try container.encode(values)
        }
    }

    static func int(_ value: Int) -> JSONValue { .int(Int64(value)) }

    static func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

    /// ISO 8601 in UTC with milliseconds, or `null`.
    static func date(_ value: Date?) -> JSONValue {
        guard let value else { return .null }
        return .string(value.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
    }

    /// Seconds rounded to milliseconds, or `null`.
    static func seconds(_ value: TimeInterval?) -> JSONValue {
        guard let value else { return .null }
        return .number((value * 1_000).rounded() / 1_000)
    }

    /// Sorted keys, indented: one document, stable to diff and to parse.
    func rendered() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}

// MARK: JSON shapes

extension JSONValue {
    static func statistics(_ value: DurableEndpointStatistics) -> JSONValue {
        .object([
            "endpoint": .string(value.endpoint), "pending": .int(value.pending), "scheduled": .int(value.scheduled),
            "inFlight": .int(value.inFlight), "handled": .int(value.handled), "dead": .int(value.dead),
        ])
    }

    static func lease(_ value: DurableLease) -> JSONValue {
        .object([
            "id": .int(value.id), "messageId": .string(value.messageId), "endpoint": .string(value.endpoint),
            "messageType": .string(value.messageType), "handler": .string(value.handler), "groupId": .string(value.groupId),
            "owner": .string(value.owner), "attempts": .int(value.attempts), "claimedAt": .date(value.claimedAt),
            "leaseUntil": .date(value.leaseUntil), "runningSeconds": .seconds(value.running),
            "leaseLeftSeconds": .seconds(value.remaining),
        ])
    }

    /// A dead letter; with `full`, also its headers and payload.
    static func deadLetter(_ value: DeadLetter, full: Bool) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .int(value.id), "messageId": .string(value.messageId), "endpoint": .string(value.endpoint),
            "messageType": .string(value.messageType), "handler": .string(value.handler), "groupId": .string(value.groupId),
            "attempts": .int(value.attempts), "lastError": .string(value.lastError), "createdAt": .date(value.createdAt),
            "firstAttemptAt": .date(value.firstAttemptAt), "lastAttemptAt": .date(value.lastAttemptAt),
            "deadLetteredAt": .date(value.deadLetteredAt), "payloadBytes": .int(value.payload.count),
        ]
        if full {
            object["headers"] = .object(value.headers.mapValues { .string($0) })
            if let text = String(data: value.payload, encoding: .utf8) {
                object["payload"] = .string(text)
                object["payloadEncoding"] = .string("utf8")
            } else {
                object["payload"] = .string(value.payload.base64EncodedString())
                object["payloadEncoding"] = .string("base64")
            }
        }
        return .object(object)
    }
}

// MARK: Text

enum Text {
    /// Columns padded to their widest cell; columns listed in `rightAligned` (numbers) are
    /// aligned right.
    static func table(_ header: [String], _ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let width = index < widths.count ? widths[index] : cell.count
                let padding = String(repeating: " ", count: max(0, width - cell.count))
                if index == cells.count - 1 && !rightAligned.contains(index) { return cell }
                return rightAligned.contains(index) ? padding + cell : cell + padding
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// `850ms`, `4.2s`, `3m 12s`, `2h 5m`, `3d 4h`.
    static func duration(_ seconds: TimeInterval) -> String {
        let seconds = max(0, seconds)
        if seconds < 1 { return "\(Int((seconds * 1_000).rounded()))ms" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let whole = Int(seconds)
        if whole < 3_600 { return "\(whole / 60)m \(whole % 60)s" }
        if whole < 86_400 { return "\(whole / 3_600)h \((whole % 3_600) / 60)m" }
        return "\(whole / 86_400)d \((whole % 86_400) / 3_600)h"
    }

    /// A date with how long ago it was: `2025-01-31T10:00:00.000Z (3m 12s ago)`.
    static func date(_ date: Date?, now: Date) -> String {
        guard let date else { return "-" }
        let stamp = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        return "\(stamp) (\(duration(now.timeIntervalSince(date))) ago)"
    }

    /// The first line of `text`, cut to `limit` characters.
    static func short(_ text: String?, limit: Int = 60) -> String {
        guard let text, !text.isEmpty else { return "-" }
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard line.count > limit else { return line == text ? line : line + " …" }
        return String(line.prefix(limit - 1)) + "…"
    }

    static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}
#endif
