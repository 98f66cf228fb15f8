#if Postgres
import Foundation
import PostgresNIO
import WakuMessaging

/// Mapping between ``StoredDelivery`` and `waku_deliveries` rows.
enum PostgresDeliveryRow {
    /// The columns every read selects, in the order ``decode(_:)`` reads them. `prefix` qualifies
    /// them (`"d."`).
    static func columns(_ prefix: String = "") -> String {
        [
            "id", "message_id", "correlation_id", "causation_id", "message_type", "handler", "endpoint", "payload",
            "headers::text", "\"timestamp\"", "group_id", "available_at", "attempts", "last_error",
        ].map { prefix + $0 }.joined(separator: ", ")
    }

    static let columnCount = 14

    static func decode(_ row: PostgresRow) throws -> StoredDelivery {
        let cells = row.makeRandomAccess()
        guard cells.count == columnCount else {
            throw PostgresStoreError(operation: "decode", sqlState: nil, message: "expected \(columnCount) columns, got \(cells.count)")
        }
        let headersText = try cells[8].decode(String.self)
        // Most deliveries carry no headers: skip the JSON decoder for them.
        let headers = headersText == "{}"
            ? [:] : (try? JSONDecoder().decode([String: String].self, from: Data(headersText.utf8))) ?? [:]
        return StoredDelivery(
            id: try cells[0].decode(Int64.self),
            messageId: try cells[1].decode(UUID.self),
            correlationId: try cells[2].decode(UUID.self),
            causationId: try cells[3].decode(UUID.self),
            messageType: try cells[4].decode(String.self),
            handler: try cells[5].decode(String.self),
            endpoint: try cells[6].decode(String.self),
            payload: try cells[7].decode(Data.self),
            headers: headers,
            timestamp: try cells[9].decode(Date.self),
            groupId: try cells[10].decode(String?.self),
            availableAt: try cells[11].decode(Date.self),
            attempts: try cells[12].decode(Int.self),
            lastError: try cells[13].decode(String?.self))
    }

    /// JSON text of the headers, for the `jsonb` column.
    static func encodeHeaders(_ headers: [String: String]) -> String {
        guard !headers.isEmpty, let data = try? JSONEncoder().encode(headers) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
#endif
