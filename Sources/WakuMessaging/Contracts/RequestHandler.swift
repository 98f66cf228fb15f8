/// Handles one request type and returns its statically typed response.
public protocol RequestHandler<Request>: Sendable {
    associatedtype Request: IRequest
    func handle(_ request: Request) async throws -> Request.Response
}
