import Waku

/// Starts endpoints after app init and stops them (drain, then report) at shutdown.
struct MessagingLifecycle: AfterApplicationInit, OnApplicationShutdown {
    func afterAppInit(_ app: WakuApplication) async throws {
        try await app.container.get(MessagingRuntime.self).start(app: app)
    }

    func onAppShutdown(_ app: WakuApplication) async throws {
        await (try app.container.get(MessagingRuntime.self)).stop()
    }
}
