#if Hummingbird
import Foundation
import HTTPTypes
import Hummingbird
import Waku
import WakuMessaging

/// The dashboard's request handlers: read the request, ask ``DashboardSource``, render a page.
struct DashboardRoutes: Sendable {
    let dashboard: WakuDashboard
    var source: DashboardSource { dashboard.source }
    var base: String { dashboard.path }

    func endpoints() async -> Response {
        html(DashboardPages.endpoints(await source.endpoints(), base: base))
    }

    func deadLetters(_ request: Request) async throws -> Response {
        let filter = try self.filter(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
        let (items, problem) = await source.deadLetters(matching: filter, limit: dashboard.pageLimit)
        let notice = request.uri.queryParameters.get("done")
        return html(
            DashboardPages.deadLetters(
                Array(items.prefix(dashboard.pageLimit)), filter: filter, problem: problem, base: base, notice: notice,
                limit: dashboard.pageLimit))
    }

    func deadLetter(_ token: String) async throws -> Response {
        guard let reference = DeadLetterItem.Reference(token: token) else {
            return html(status: .badRequest, page(error: "'\(token)' names no dead letter"))
        }
        guard let item = try await source.deadLetter(reference) else {
            return html(status: .notFound, page(error: "Dead letter \(token) no longer exists: it was replayed or purged."))
        }
        return html(DashboardPages.deadLetter(item, base: base))
    }

    func confirm(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        guard let action = parameters.last(where: { $0.0 == "action" }).flatMap({ DashboardAction(rawValue: $0.1) }) else {
            return html(status: .badRequest, page(error: "Say what to do: action=replay or action=purge."))
        }
        let filter = try self.filter(parameters)
        let count = await source.deadLetters(matching: filter).items.count
        return html(DashboardPages.confirm(action: action, filter: filter, matching: count, base: base))
    }

    /// Carries out a confirmed replay or purge, then shows the list with what it did.
    func act(_ action: DashboardAction, _ request: Request, _ context: some RequestContext) async throws -> Response {
        if Self.isCrossSite(request) {
            return html(status: .forbidden, page(error: "Refused: this request came from another site."))
        }
        let body = try await request.body.collect(upTo: 64 * 1024)
        let parameters = Self.formParameters(String(buffer: body))
        guard parameters.contains(where: { $0.name == "confirm" && $0.value == "yes" }) else {
            return html(status: .badRequest, page(error: "\(action.verb) needs confirmation: use the confirmation page."))
        }
        let filter = try self.filter(parameters)
        let count = action == .replay ? try await source.replay(filter) : try await source.purge(filter)
        let done = "\(action == .replay ? "Replayed" : "Purged") \(count) dead letter\(count == 1 ? "" : "s")."
        var back = filter
        back.references = nil  // the named ones are gone from the list; show what is left
        let location = base + "/dead-letters" + HTML.query(back.parameters + [("done", done)])
        return Response(status: .seeOther, headers: [.location: location])
    }

    func application() async -> Response {
        html(DashboardPages.application(source.application.describe(), base: base))
    }

    private func filter(_ parameters: [(name: String, value: String)]) throws -> DashboardFilter {
        do {
            return try DashboardFilter(parameters: parameters)
        } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
    }

    private func page(error: String) -> String {
        HTML.page(title: "Not possible", base: base, current: "", body: "<p class=\"problem\">\(HTML.escape(error))</p>")
    }

    private func html(status: HTTPResponse.Status = .ok, _ page: String) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .cacheControl: "no-store",
                // Nothing but this page's own inline styles, and nothing may frame it.
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// Whether the browser says the request comes from another site (`Sec-Fetch-Site`), or its
    /// `Origin` names another host than the one it was sent to.
    static func isCrossSite(_ request: Request) -> Bool {
        if let name = HTTPField.Name("Sec-Fetch-Site"), let site = request.headers[name], site == "cross-site" || site == "same-site" {
            return true
        }
        guard let origin = request.headers[.origin], origin != "null" else { return false }
        guard let host = request.head.authority else { return true }
        let originHost = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
        return originHost != host
    }

    /// `application/x-www-form-urlencoded` name/value pairs, in order.
    static func formParameters(_ body: String) -> [(name: String, value: String)] {
        body.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring?) -> String {
                (text.map(String.init) ?? "").replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            return (decode(parts.first), decode(parts.count > 1 ? parts[1] : nil))
        }
    }
}
#endif
