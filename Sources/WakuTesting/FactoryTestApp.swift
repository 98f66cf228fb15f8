public import Waku

/// Builds the application `factory` describes, exactly as production would (its root stays the
/// root, so root providers are global and root hooks run last), initializes it, runs `body`, and
/// always closes it, also when `body` throws.
///
/// ```swift
/// try await withTestApp(WakuFactory(AppModule(), context: ContextValues(testConfig))) { app in
///     let (_, session) = try await trackMessages(app) { … }
/// }
/// ```
///
/// Use ``withTestApp(base:providers:imports:context:extensions:moduleExtensions:validation:isolation:_:)`` instead to
/// override providers of the modules under test.
public func withTestApp<R>(
    _ factory: WakuFactory, isolation: isolated (any Actor)? = #isolation, _ body: (WakuApplication) async throws -> R
) async throws -> R {
    try await factory.create().run(body)
}
