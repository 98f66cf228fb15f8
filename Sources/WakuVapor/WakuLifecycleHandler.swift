#if Vapor
import Vapor
import Waku

/// Initializes the Waku application when Vapor boots and closes it when Vapor shuts down.
struct WakuLifecycleHandler: LifecycleHandler {
    let waku: WakuApplication

    func willBootAsync(_ application: Application) async throws {
        try await waku.initialize()
    }

    func shutdownAsync(_ application: Application) async {
        // Vapor runs lifecycle handlers before it stops the server (the `serve` command shuts down
        // with the application's storage, afterwards). Stop it first, so requests in flight finish
        // with the application still open and no new request finds it closed. Stopping twice is
        // harmless: the server ignores the second call.
        await application.server.shutdown()
        do {
            try await waku.close()
        } catch {
            application.logger.error("Closing the Waku application failed: \(String(reflecting: error))")
        }
    }
}
#endif
