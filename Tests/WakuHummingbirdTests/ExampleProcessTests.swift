#if Hummingbird
import Testing
import WakuHTTPTestSupport

/// The example is run as a real client would: the `waku-http-example` binary on port 0, plain HTTP on
/// 127.0.0.1, then SIGTERM.
@Suite("waku-http-example, run as a process")
struct ExampleProcessTests {
    @Test("places an order, reads it back, sees the fan-out, and shuts down gracefully on SIGTERM")
    func example() async throws {
        try await OrdersExampleScenario.run(binary: "waku-http-example", portMarker: "listening on 127.0.0.1:")
    }
}
#endif
