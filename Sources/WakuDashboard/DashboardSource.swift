#if Hummingbird
import Foundation
import Waku
import WakuMessaging

/// Reads what the dashboard shows from a running application, and carries out replays and
/// purges: the one place that knows where endpoints and dead letters live.
struct DashboardSource: Sendable {
    let application: WakuApplication
    let activity: EndpointActivity

    var runtime: MessagingRuntime? { application.messagingRuntime }

    /// The durable store's administration, when the application has a durable store that offers it.
    var administration: (any DurableStoreAdministration)? {
        runtime?.durableStore as? any DurableStoreAdministration
    }

    /// Every endpoint, ordered by name.
    func endpoints() async -> [EndpointRow] {
        guard let runtime else { return [] }
        var statistics: [String: DurableEndpointStatistics] = [:]
        var storeProblem: String?
        if let administration {
            do {
                for row in try await administration.statistics() { statistics[row.endpoint] = row }
            } catch {
                storeProblem = "durable store unavailable: \(error)"
            }
        }
        let localDead = (try? await runtime.deadLetters.list()) ?? []
        var rows: [EndpointRow] = []
        for (name, endpoint) in runtime.endpoints.sorted(by: { $0.key < $1.key }) {
            let counts = activity.total(of: name)
            let history = activity.history(of: name)
            if endpoint is DurableEndpoint {
                let stats = statistics[name] ?? DurableEndpointStatistics(endpoint: name)
                rows.append(
                    EndpointRow(
                        name: name, kind: "durable", depth: stats.pending + stats.scheduled, inFlight: stats.inFlight,
                        handled: stats.handled, failed: counts.failed, deadLettered: stats.dead, history: history,
                        problem: administration == nil ? "the durable store offers no statistics" : storeProblem))
            } else {
                rows.append(
                    EndpointRow(
                        name: name, kind: "local queue", depth: endpoint.depth, inFlight: endpoint.inFlight,
                        handled: counts.handled, failed: counts.failed,
                        deadLettered: localDead.filter { $0.endpoint == name }.count, history: history, problem: nil))
            }
        }
        return rows
    }

    /// The dead letters `filter` matches, local ones first, then durable ones oldest first (at
    /// most `limit` of those). `problem` says why some are missing, if any are.
    func deadLetters(matching filter: DashboardFilter, limit: Int? = nil) async -> (items: [DeadLetterItem], problem: String?) {
        var items: [DeadLetterItem] = []
        var problems: [String] = []
        do {
            items += try await localItems(matching: filter)
        } catch {
            problems.append("dead-letter store unavailable: \(error)")
        }
        if let administration, let criteria = durableCriteria(filter) {
            do {
                items += try await administration.deadLetters(matching: criteria, limit: limit).map(DeadLetterItem.init)
            } catch {
                problems.append("durable store unavailable: \(error)")
            }
        }
        return (items, problems.isEmpty ? nil : problems.joined(separator: "; "))
    }

    /// The dead letter `reference` names, or `nil` when it no longer exists.
    func deadLetter(_ reference: DeadLetterItem.Reference) async throws -> DeadLetterItem? {
        switch reference {
        case .local(let id):
            return try await runtime?.deadLetters.list().first { $0.id == id }.map(DeadLetterItem.init)
        case .durable(let id):
            return try await administration?.deadLetter(id: id).map(DeadLetterItem.init)
        }
    }

    /// Replays what `filter` matches; returns how many dead letters went back to their endpoints.
    func replay(_ filter: DashboardFilter) async throws -> Int {
        var count = 0
        if let runtime {
            let local = try await localIDs(filter)
            if !local.isEmpty { count += try await runtime.replayDeadLetters(local) }
        }
        if let administration, let criteria = durableCriteria(filter) {
            count += try await administration.replayDeadLetters(matching: criteria)
        }
        return count
    }

    /// Deletes what `filter` matches; returns how many dead letters it removed.
    func purge(_ filter: DashboardFilter) async throws -> Int {
        var count = 0
        if let runtime {
            let local = try await localIDs(filter)
            if !local.isEmpty { count += try await runtime.deadLetters.remove(local).count }
        }
        if let administration, let criteria = durableCriteria(filter) {
            count += try await administration.purgeDeadLetters(matching: criteria)
        }
        return count
    }

    /// The local queues' dead letters `filter` matches, oldest first.
    private func localItems(matching filter: DashboardFilter) async throws -> [DeadLetterItem] {
        guard let runtime, filter.localIDs != [] else { return [] }
        let now = Date()
        let wanted = filter.localIDs.map(Set.init)
        return try await runtime.deadLetters.list().map(DeadLetterItem.init).filter { item in
            guard case .local(let id) = item.reference else { return false }
            return (wanted?.contains(id) ?? true) && item.matches(filter.criteria, now: now)
        }
    }

    private func localIDs(_ filter: DashboardFilter) async throws -> [UUID] {
        try await localItems(matching: filter).compactMap { item in
            if case .local(let id) = item.reference { id } else { nil }
        }
    }

    /// The durable half of `filter`, or `nil` when it names only local dead letters.
    private func durableCriteria(_ filter: DashboardFilter) -> DeadLetterFilter? {
        if filter.durableIDs == [] { return nil }
        var criteria = filter.criteria
        criteria.ids = filter.durableIDs
        return criteria
    }
}
#endif
