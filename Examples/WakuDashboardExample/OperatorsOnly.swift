#if Hummingbird && SQLite
import Foundation
import HTTPTypes
import Hummingbird

/// HTTP Basic authentication for the dashboard: user `operator`, the password from
/// `WAKU_DASHBOARD_PASSWORD`. The dashboard has no access control of its own, so an app mounts
/// it behind its own authentication; this is the smallest such middleware. Use your real one
/// (hummingbird-auth, a reverse proxy, a network that only operators reach) in production.
struct OperatorsOnly<Context: RequestContext>: RouterMiddleware {
    let password: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst("Basic ".count))),
            constantTimeEqual(Array(decoded), Array("operator:\(password)".utf8))
        else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"Waku dashboard\", charset=\"UTF-8\""])
        }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference, so timing tells nothing of the password.
    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
#endif
