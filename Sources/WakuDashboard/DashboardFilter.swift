#if Hummingbird
import Foundation
import WakuMessaging

/// Which dead letters a page, a replay or a purge is about: criteria that match like the durable
/// stores' ``DeadLetterFilter``, optionally narrowed to named dead letters.
///
/// It round-trips through query strings and forms (`endpoint`, `type`, `handler`, `error`,
/// `older`, and `ref` once per named dead letter), so the confirmation page acts on exactly
/// what the list showed.
struct DashboardFilter: Sendable, Equatable {
    /// Endpoint, message type, handler, error text and age; its `ids` stay `nil`.
    var criteria = DeadLetterFilter()
    /// Named dead letters; `nil` means every dead letter the criteria match.
    var references: [DeadLetterItem.Reference]?

    /// Named local dead letters: `nil` when no dead letter is named.
    var localIDs: [UUID]? {
        references.map { $0.compactMap { if case .local(let id) = $0 { id } else { nil } } }
    }

    /// Named durable dead letters: `nil` when no dead letter is named.
    var durableIDs: [Int64]? {
        references.map { $0.compactMap { if case .durable(let id) = $0 { id } else { nil } } }
    }

    init(criteria: DeadLetterFilter = DeadLetterFilter(), references: [DeadLetterItem.Reference]? = nil) {
        self.criteria = criteria
        self.references = references
    }

    /// Reads the fields from query or form parameters, ignoring empty values. A `ref` that is
    /// not a dead-letter reference, or an `older` that is not a number of minutes, is an error.
    init(parameters: [(name: String, value: String)]) throws(DashboardInputError) {
        func value(_ name: String) -> String? {
            parameters.last { $0.name == name && !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }?.value
        }
        criteria.endpoint = value("endpoint")
        criteria.messageType = value("type")
        criteria.handler = value("handler")
        criteria.errorContains = value("error")
        if let older = value("older") {
            guard let minutes = Int(older), minutes >= 0 else {
                throw DashboardInputError("'older' must be a whole number of minutes, got '\(older)'")
            }
            criteria.olderThan = .seconds(minutes * 60)
        }
        let tokens = parameters.filter { $0.name == "ref" }.map(\.value)
        if !tokens.isEmpty {
            references = try tokens.map { token throws(DashboardInputError) in
                guard let reference = DeadLetterItem.Reference(token: token) else {
                    throw DashboardInputError("'\(token)' names no dead letter")
                }
                return reference
            }
        }
    }

    /// The fields as name/value pairs, for links and hidden form fields.
    var parameters: [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        if let endpoint = criteria.endpoint { result.append(("endpoint", endpoint)) }
        if let type = criteria.messageType { result.append(("type", type)) }
        if let handler = criteria.handler { result.append(("handler", handler)) }
        if let error = criteria.errorContains { result.append(("error", error)) }
        if let older = criteria.olderThan { result.append(("older", String(older.components.seconds / 60))) }
        for reference in references ?? [] { result.append(("ref", reference.token)) }
        return result
    }

    /// Whether the filter matches every dead letter.
    var matchesEverything: Bool { criteria.isEmpty && references == nil }
}

/// A request the dashboard cannot act on; answered 400 with this text.
struct DashboardInputError: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
#endif
