#if Vapor
import Testing
import WakuHTTPTestSupport

/// The example is run as a real client would: the `waku-vapor-example` binary on port 0, plain HTTP on
/// 127.0.0.1, then SIGTERM.
@Suite("waku-vapor-example, run as a process")
struct ExampleProcessTests {
    @Test("places an order, reads it back, sees the fan-out, and shuts down gracefully on SIGTERM")
    func example() async throws {
        try await OrdersExampleScenario.run(binary: "waku-vapor-example", portMarker: "Server started on http://127.0.0.1:")
    }
}
#endif
