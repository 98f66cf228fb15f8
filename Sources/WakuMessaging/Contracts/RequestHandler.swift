public import Waku

/// Handles one request type and returns its statically typed response.
public protocol RequestHandler<Request>: Sendable {
    /// The request type this handler handles.
    associatedtype Request: IRequest
    /// Handles one request and returns its response; a thrown error reaches the caller of `invoke`.
    func handle(_ request: Request) async throws -> Request.Response

    /// Resolves this handler from `container` and runs it. Not for implementing: the default is
    /// inlinable, so its witness is specialized where the handler is declared, and a handler
    /// bound by type (`bindRequest(R.self, H.self)`) is resolved without generic code.
    static func _resolveAndHandle(_ request: Request, in container: Container) async throws -> Request.Response

    /// The same for a request that arrives type-erased (a routed `send`), its response
    /// discarded; does nothing if `message` is not a `Request`. Not for implementing: its
    /// default casts where `Request` is concrete, not in generic code.
    static func _resolveAndHandle(message: any IMessage, in container: Container) async throws
}

extension RequestHandler {
    @inlinable
    public static func _resolveAndHandle(_ request: Request, in container: Container) async throws -> Request.Response {
        try await container.get(Self.self).handle(request)
    }

    @inlinable
    public static func _resolveAndHandle(message: any IMessage, in container: Container) async throws {
        guard let request = cast(message, to: Request.self) else { return }
        _ = try await container.get(Self.self).handle(request)
    }
}
