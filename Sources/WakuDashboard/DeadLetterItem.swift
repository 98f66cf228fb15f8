#if Hummingbird
import Foundation
import WakuMessaging

/// One dead letter as the dashboard shows it, from either place dead letters live: the
/// runtime's ``DeadLetterStore`` (local queues) or a durable store's dead rows.
struct DeadLetterItem: Sendable {
    /// Where the dead letter lives, and its id there.
    enum Reference: Sendable, Hashable {
        case local(UUID)
        case durable(Int64)

        /// The reference as it appears in URLs and forms: `local-<uuid>` or `durable-<id>`.
        var token: String {
            switch self {
            case .local(let id): "local-\(id.uuidString)"
            case .durable(let id): "durable-\(id)"
            }
        }

        /// Parses ``token``; `nil` for anything else.
        init?(token: String) {
            if token.hasPrefix("local-"), let id = UUID(uuidString: String(token.dropFirst("local-".count))) {
                self = .local(id)
            } else if token.hasPrefix("durable-"), let id = Int64(token.dropFirst("durable-".count)) {
                self = .durable(id)
            } else {
                return nil
            }
        }
    }

    var reference: Reference
    var endpoint: String
    var messageType: String
    var handler: String
    var messageId: String
    var groupId: String?
    var attempts: Int
    var error: String
    var deadLetteredAt: Date?
    /// The message: the stored JSON for durable rows, the value's description for local ones.
    var payload: String
    var headers: [(name: String, value: String)]

    init(_ record: DeadLetterRecord) {
        reference = .local(record.id)
        endpoint = record.endpoint
        messageType = record.envelope.messageType
        handler = record.handler
        messageId = record.envelope.messageId.uuidString
        groupId = record.delivery.options.groupId
        attempts = record.attempts
        error = record.error
        deadLetteredAt = record.deadLetteredAt
        payload = String(reflecting: record.envelope.payload)
        headers = record.envelope.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    init(_ letter: DeadLetter) {
        reference = .durable(letter.id)
        endpoint = letter.endpoint
        messageType = letter.messageType
        handler = letter.handler
        messageId = letter.messageId
        groupId = letter.groupId
        attempts = letter.attempts
        error = letter.lastError ?? ""
        deadLetteredAt = letter.deadLetteredAt
        payload = Self.prettyJSON(letter.payload) ?? String(decoding: letter.payload, as: UTF8.self)
        headers = letter.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Whether this local dead letter matches `filter`, the way the durable stores match rows.
    func matches(_ filter: DeadLetterFilter, now: Date) -> Bool {
        if let endpoint = filter.endpoint, endpoint != self.endpoint { return false }
        if let type = filter.messageType, type != messageType { return false }
        if let handler = filter.handler, handler != self.handler { return false }
        if let text = filter.errorContains, !text.isEmpty, error.range(of: text, options: .caseInsensitive) == nil { return false }
        if let age = filter.olderThan {
            guard let deadLetteredAt, now.timeIntervalSince(deadLetteredAt) >= Double(age.components.seconds) else { return false }
        }
        return true
    }

    private static func prettyJSON(_ data: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
            let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        else { return nil }
        return String(decoding: pretty, as: UTF8.self)
    }
}
#endif
