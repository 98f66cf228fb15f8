import Foundation
import Hummingbird
import Logging
import Waku
import WakuHummingbird
import WakuMessaging

/// A small lock-protected box for test state.
final class Protected<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only touched while holding `lock`.
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&stored)
    }

    var value: Value { withLock { $0 } }
}

/// Records what request-scoped probes did: created, and finalized when their scope closed.
final class Recorder: Sendable {
    private let state = Protected((created: [UUID](), finalized: [UUID](), events: [String]()))

    func created(_ id: UUID) { state.withLock { $0.created.append(id) } }
    func finalized(_ id: UUID) { state.withLock { $0.finalized.append(id) } }
    func event(_ text: String) { state.withLock { $0.events.append(text) } }

    var createdIDs: [UUID] { state.value.created }
    var finalizedIDs: [UUID] { state.value.finalized }
    var events: [String] { state.value.events }

    func finalizedCount(of id: UUID) -> Int { finalizedIDs.filter { $0 == id }.count }

    /// Waits until `condition` holds (for scopes that close after the client already has its response).
    func wait(timeout: Duration = .seconds(10), until condition: @Sendable (Recorder) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(self)
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
