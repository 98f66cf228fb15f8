#if Hummingbird
import Foundation
import Waku
import WakuMessaging

/// The dashboard's pages, as pure functions of what they show. `base` is the path the
/// dashboard is mounted at; every link starts with it.
enum DashboardPages {
    static func endpoints(_ rows: [EndpointRow], base: String) -> String {
        let body: String
        if rows.isEmpty {
            body = "<p class=\"muted\">This application has no routed endpoints.</p>"
        } else {
            let lines = rows.map { row in
                let problem = row.problem.map { "<div class=\"problem\">\(HTML.escape($0))</div>" } ?? ""
                let dead =
                    row.deadLettered > 0
                    ? "<a href=\"\(HTML.escape(base + "/dead-letters" + HTML.query([("endpoint", row.name)])))\">\(row.deadLettered)</a>"
                    : "0"
                return """
                    <tr data-endpoint="\(HTML.escape(row.name))">
                    <td><strong>\(HTML.escape(row.name))</strong>\(problem)</td>
                    <td>\(row.kind)</td>
                    <td class="number" data-field="depth">\(row.depth)</td>
                    <td class="number" data-field="in-flight">\(row.inFlight)</td>
                    <td class="number" data-field="handled">\(row.handled)</td>
                    <td class="number" data-field="failed">\(row.failed)</td>
                    <td class="number" data-field="dead-lettered">\(dead)</td>
                    <td>\(historyChart(row.history))</td>
                    </tr>
                    """
            }.joined(separator: "\n")
            body = """
                <table>
                <thead><tr><th>Endpoint</th><th>Kind</th><th class="number">Depth</th><th class="number">In flight</th>\
                <th class="number">Handled</th><th class="number">Failed</th><th class="number">Dead-lettered</th>\
                <th>Last 60 minutes (handled, failed)</th></tr></thead>
                <tbody>
                \(lines)
                </tbody>
                </table>
                <p class="muted">Durable endpoints: depth, in flight, handled and dead-lettered are the store's \
                rows, for every process that shares it. Local queues, and failed attempts everywhere: this process, \
                since the dashboard started. The page reloads every 5 seconds.</p>
                """
        }
        return HTML.page(title: "Endpoints", base: base, current: "Endpoints", refresh: 5, body: body)
    }

    /// 60 bars, one per minute: handled in green, failed in red on top.
    static func historyChart(_ history: [EndpointActivity.Counts]) -> String {
        let width = 3, gap = 1, height = 24
        let peak = max(1, history.map { $0.handled + $0.failed }.max() ?? 1)
        var bars = ""
        for (index, minute) in history.enumerated() {
            let x = index * (width + gap)
            let handled = Int((Double(minute.handled) / Double(peak) * Double(height)).rounded(.up))
            let failed = Int((Double(minute.failed) / Double(peak) * Double(height)).rounded(.up))
            if handled > 0 {
                bars += "<rect class=\"handled\" x=\"\(x)\" y=\"\(height - handled)\" width=\"\(width)\" height=\"\(handled)\"/>"
            }
            if failed > 0 {
                bars += "<rect class=\"failed\" x=\"\(x)\" y=\"\(height - handled - failed)\" width=\"\(width)\" height=\"\(failed)\"/>"
            }
        }
        let total = history.reduce(into: (0, 0)) { $0.0 += $1.handled; $0.1 += $1.failed }
        let label = "\(total.0) handled, \(total.1) failed in the last \(history.count) minutes"
        return """
            <svg class="history" role="img" aria-label="\(label)" width="\(history.count * (width + gap))" height="\(height)" \
            viewBox="0 0 \(history.count * (width + gap)) \(height)"><title>\(label)</title>\(bars)</svg>
            """
    }

    static func deadLetters(
        _ items: [DeadLetterItem], filter: DashboardFilter, problem: String?, base: String, notice: String?, limit: Int
    ) -> String {
        let criteria = filter.criteria
        let form = """
            <form class="filter" method="get" action="\(HTML.escape(base + "/dead-letters"))">
            <label>Endpoint<input name="endpoint" value="\(HTML.escape(criteria.endpoint ?? ""))"></label>
            <label>Message type<input name="type" value="\(HTML.escape(criteria.messageType ?? ""))"></label>
            <label>Handler<input name="handler" value="\(HTML.escape(criteria.handler ?? ""))"></label>
            <label>Error contains<input name="error" value="\(HTML.escape(criteria.errorContains ?? ""))"></label>
            <label>Older than (minutes)<input name="older" inputmode="numeric" size="6" \
            value="\(criteria.olderThan.map { String($0.components.seconds / 60) } ?? "")"></label>
            <button type="submit">Filter</button>
            <a href="\(HTML.escape(base + "/dead-letters"))">Clear</a>
            </form>
            """
        let problemLine = problem.map { "<p class=\"problem\">\(HTML.escape($0))</p>" } ?? ""
        var body = form + problemLine
        if items.isEmpty {
            body += "<p class=\"muted\" id=\"no-dead-letters\">No dead letters match.</p>"
        } else {
            let rows = items.map { item in
                """
                <tr data-ref="\(HTML.escape(item.reference.token))">
                <td><a href="\(HTML.escape(base + "/dead-letters/" + item.reference.token))">\(HTML.escape(shortID(item)))</a></td>
                <td>\(HTML.escape(item.endpoint))</td>
                <td>\(HTML.escape(item.messageType))</td>
                <td>\(HTML.escape(item.handler))</td>
                <td class="number">\(item.attempts)</td>
                <td>\(HTML.escape(firstLine(item.error)))</td>
                <td>\(item.deadLetteredAt.map(timestamp) ?? "")</td>
                </tr>
                """
            }.joined(separator: "\n")
            let more = items.count >= limit ? "<p class=\"muted\">Showing the first \(limit); narrow the filter to see the rest.</p>" : ""
            body += """
                <div class="actions">
                <a href="\(HTML.escape(base + "/dead-letters/confirm" + HTML.query([("action", "replay")] + filter.parameters)))">\
                <button type="button" data-action="replay-matching">Replay all matching…</button></a>
                <a href="\(HTML.escape(base + "/dead-letters/confirm" + HTML.query([("action", "purge")] + filter.parameters)))">\
                <button type="button" class="danger" data-action="purge-matching">Purge all matching…</button></a>
                </div>
                <table>
                <thead><tr><th>Dead letter</th><th>Endpoint</th><th>Message type</th><th>Handler</th>\
                <th class="number">Attempts</th><th>Last error</th><th>Dead-lettered</th></tr></thead>
                <tbody>
                \(rows)
                </tbody>
                </table>
                \(more)
                """
        }
        return HTML.page(title: "Dead letters", base: base, current: "Dead letters", notice: notice, body: body)
    }

    static func deadLetter(_ item: DeadLetterItem, base: String) -> String {
        let only = DashboardFilter(references: [item.reference])
        let headers =
            item.headers.isEmpty
            ? "<p class=\"muted\">No headers.</p>"
            : "<dl>" + item.headers.map { "<dt>\(HTML.escape($0.name))</dt><dd>\(HTML.escape($0.value))</dd>" }.joined() + "</dl>"
        let body = """
            <dl>
            <dt>Where</dt><dd>\(location(item.reference))</dd>
            <dt>Endpoint</dt><dd>\(HTML.escape(item.endpoint))</dd>
            <dt>Message type</dt><dd>\(HTML.escape(item.messageType))</dd>
            <dt>Handler</dt><dd>\(HTML.escape(item.handler))</dd>
            <dt>Message id</dt><dd>\(HTML.escape(item.messageId))</dd>
            <dt>Group</dt><dd>\(HTML.escape(item.groupId ?? "none"))</dd>
            <dt>Attempts</dt><dd>\(item.attempts)</dd>
            <dt>Dead-lettered</dt><dd>\(item.deadLetteredAt.map(timestamp) ?? "")</dd>
            </dl>
            <h2>Error</h2>
            <pre id="error">\(HTML.escape(item.error))</pre>
            <h2>Payload</h2>
            <pre id="payload">\(HTML.escape(item.payload))</pre>
            <h2>Headers</h2>
            \(headers)
            <div class="actions">
            <a href="\(HTML.escape(base + "/dead-letters/confirm" + HTML.query([("action", "replay")] + only.parameters)))">\
            <button type="button" data-action="replay">Replay…</button></a>
            <a href="\(HTML.escape(base + "/dead-letters/confirm" + HTML.query([("action", "purge")] + only.parameters)))">\
            <button type="button" class="danger" data-action="purge">Purge…</button></a>
            </div>
            """
        return HTML.page(title: "Dead letter \(shortID(item))", base: base, current: "Dead letters", body: body)
    }

    /// Asks before a replay or purge, saying how many dead letters it changes; the form carries
    /// the same filter, so the action changes what the page listed (and any that matched since).
    static func confirm(action: DashboardAction, filter: DashboardFilter, matching count: Int, base: String) -> String {
        let scope = filter.matchesEverything ? "every dead letter" : "the dead letters this filter matches"
        let describe = filter.parameters.map { "<dt>\(HTML.escape($0.name))</dt><dd>\(HTML.escape($0.value))</dd>" }.joined()
        let body = """
            <p>\(action.verb) \(scope): <strong id="matching">\(count)</strong> now.</p>
            \(describe.isEmpty ? "" : "<dl>\(describe)</dl>")
            <p>\(action.consequence)</p>
            <form method="post" action="\(HTML.escape(base + "/dead-letters/" + action.rawValue))" class="actions">
            \(HTML.hiddenFields(filter.parameters))
            <input type="hidden" name="confirm" value="yes">
            <button type="submit" \(action == .purge ? "class=\"danger\" " : "")data-action="confirm">\(action.verb)</button>
            <a href="\(HTML.escape(base + "/dead-letters" + HTML.query(filter.parameters)))">Cancel</a>
            </form>
            """
        return HTML.page(title: "\(action.verb) dead letters?", base: base, current: "Dead letters", body: body)
    }

    static func application(_ description: ApplicationDescription, base: String) -> String {
        let modules = description.modules.map { module in
            let badges = [module.isGlobal ? "global" : nil, module.isDynamic ? "dynamic" : nil].compactMap { $0 }
            let providers = module.providers.map { "<li>\(HTML.escape($0.description))</li>" }.joined()
            return """
                <div class="card" data-module="\(HTML.escape(module.name))">
                <strong>\(HTML.escape(module.name))</strong> <span class="muted">\(badges.joined(separator: ", "))</span>
                <div>Imports: \(HTML.escape(module.imports.isEmpty ? "none" : module.imports.joined(separator: ", ")))</div>
                <div>Exports: \(HTML.escape(module.exports.isEmpty ? "none" : module.exports.map(\.description).joined(separator: ", ")))</div>
                \(providers.isEmpty ? "" : "<ul>\(providers)</ul>")
                </div>
                """
        }.joined(separator: "\n")
        let flows = description.flows.flatMap { flow in
            flow.handlers.isEmpty
                ? ["<tr><td>\(HTML.escape(flow.name))</td><td>\(HTML.escape(flow.kind))</td><td class=\"muted\">no handler</td><td></td><td></td></tr>"]
                : flow.handlers.map { handler in
                    "<tr><td>\(HTML.escape(flow.name))</td><td>\(HTML.escape(flow.kind))</td><td>\(HTML.escape(handler.handler))</td>"
                        + "<td>\(HTML.escape(handler.module))</td><td>\(HTML.escape(handler.route.description))</td></tr>"
                }
        }.joined(separator: "\n")
        let body = """
            <h2>Message flow</h2>
            \(flows.isEmpty ? "<p class=\"muted\">No messages are registered.</p>" : """
            <table><thead><tr><th>Message</th><th>Kind</th><th>Handler</th><th>Module</th><th>Runs</th></tr></thead>
            <tbody>\(flows)</tbody></table>
            """)
            <h2>Modules</h2>
            \(modules)
            <p class="muted">The same picture as <code>app.describe()</code>; <code>app.describe(format: .dot)</code> \
            renders it with Graphviz.</p>
            """
        return HTML.page(title: "Application", base: base, current: "Application", body: body)
    }

    private static func location(_ reference: DeadLetterItem.Reference) -> String {
        switch reference {
        case .local: "a local queue's dead-letter store (in memory)"
        case .durable(let id): "the durable store, row \(id)"
        }
    }

    private static func shortID(_ item: DeadLetterItem) -> String {
        switch item.reference {
        case .local(let id): "local " + id.uuidString.prefix(8)
        case .durable(let id): "#\(id)"
        }
    }

    private static func firstLine(_ text: String) -> String {
        let line = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        return line.count > 160 ? String(line.prefix(160)) + "…" : line
    }

    private static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false).timeSeparator(.colon))
    }
}

/// What the dashboard can do to dead letters.
enum DashboardAction: String, Sendable {
    case replay
    case purge

    var verb: String { self == .replay ? "Replay" : "Purge" }

    var consequence: String {
        switch self {
        case .replay: "Each goes back to its endpoint and runs again, with its attempts reset."
        case .purge: "They are deleted for good. This cannot be undone."
        }
    }
}
#endif
