#if Hummingbird
import Foundation
import Hummingbird
import Logging
import Waku
import WakuHummingbird
import WakuMessaging
import WakuTesting

/// Records what request-scoped probes did: created, and finalized when their scope closed. A
/// typed view of WakuTesting's `Probe`, so tests wait for scopes without polling.
final class Recorder: Sendable {
    private let probe = Probe()

    func created(_ id: UUID) { probe.capture("created", id) }
    func finalized(_ id: UUID) { probe.capture("finalized", id) }
    func event(_ text: String) { probe.record(text) }

    var createdIDs: [UUID] { probe.captured("created", as: UUID.self) }
    var finalizedIDs: [UUID] { probe.captured("finalized", as: UUID.self) }
    var events: [String] { probe.log }

    func finalizedCount(of id: UUID) -> Int { finalizedIDs.filter { $0 == id }.count }

    /// Waits until `condition` holds (for scopes that close after the client already has its
    /// response), re-checking after every change; `false` on timeout.
    func wait(timeout: Duration = .seconds(10), until condition: (Recorder) -> Bool) async -> Bool {
        await probe.wait(timeout: timeout) { _ in condition(self) }
    }
}

/// Request-scoped: one per HTTP request, with a cleanup that runs when the scope closes.
final class ScopedProbe: Sendable {
    let id = UUID()
}

/// Built from the request scope's context values.
struct RequestInfo: Sendable {
    let method: String
    let path: String
    let userAgent: String?
    let requestID: String
}

/// A context value added through `WakuScopeMiddleware(contextValues:)`.
struct Tenant: Sendable {
    let name: String
}

/// Scoped probe with cleanup, a provider over the contextual HTTP values, and the recorder.
struct ProbeModule: Module {
    let recorder: Recorder

    var providers: [Provider] {
        [
            object(recorder),
            scoped { (recorder: Recorder) -> Finalized<ScopedProbe> in
                let probe = ScopedProbe()
                recorder.created(probe.id)
                return Finalized(probe) { recorder.finalized(probe.id) }
            },
            scoped { (head: HTTPRequest, request: Request, id: HTTPRequestID) in
                RequestInfo(
                    method: head.method.rawValue,
                    path: request.uri.path,
                    userAgent: head.headerFields[.userAgent],
                    requestID: id.value)
            },
        ]
    }
    var exports: [Export] { [.type(Recorder.self), .type(ScopedProbe.self), .type(RequestInfo.self)] }
}

/// A provider over a value supplied by `WakuScopeMiddleware(contextValues:)`.
struct TenantModule: Module {
    var providers: [Provider] {
        [
            contextual(Tenant.self),
            scoped { (tenant: Tenant, id: HTTPRequestID) in "\(tenant.name)/\(id.value)" },
        ]
    }
}

/// A logger that prints nothing.
let quietLogger = Logger(label: "waku-hummingbird-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// JSON of a response body.
func decode<T: Decodable>(_ type: T.Type, _ buffer: ByteBuffer) throws -> T {
    try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
}

func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
#endif
