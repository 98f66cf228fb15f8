package import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain HTTP client for 127.0.0.1, on Foundation's URLSession: what any other client would do.
package final class LoopbackClient: Sendable {
    package struct Reply: Sendable {
        package let status: Int
        package let body: Data
        package let location: String?
        package var text: String { String(decoding: body, as: UTF8.self) }
    }

    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    package let port: Int
    private let session: URLSession

    package init(port: Int) {
        self.port = port
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        configuration.timeoutIntervalForResource = 20
        session = URLSession(configuration: configuration)
    }

    package func get(_ path: String) async throws -> Reply { try await send("GET", path) }

    package func post(_ path: String, json: String) async throws -> Reply { try await send("POST", path, json: json) }

    package func send(_ method: String, _ path: String, json: String? = nil) async throws -> Reply {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { throw Failure(description: "bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let session = self.session
        return try await withCheckedThrowingContinuation { continuation in
            let task = session.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                } else if let http = response as? HTTPURLResponse {
                    continuation.resume(returning: Reply(
                        status: http.statusCode, body: data ?? Data(), location: http.value(forHTTPHeaderField: "Location")))
                } else {
                    continuation.resume(throwing: Failure(description: "no HTTP response for \(method) \(path)"))
                }
            }
            task.resume()
        }
    }

    /// Ends the session, so no kept-alive connection outlives the test.
    package func close() { session.invalidateAndCancel() }
}
