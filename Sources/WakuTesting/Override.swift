public import Waku

/// Replaces providers inside `body` and restores them afterwards, even if `body` throws.
///
/// ```swift
/// try await override(app, object(FakeMailer(), as: (any Mailer).self)) {
///     try await app.withContainer { container in … }
/// }
/// ```
///
/// Overriding a type the application never registered throws ``ResolutionError`` with reason
/// `invalidOverride`. Singletons that already captured the original keep it: override before the
/// first resolution of anything that depends on the overridden type.
public func override<R>(
    _ app: WakuApplication,
    _ providers: Provider...,
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> R
) async throws -> R {
    try await app.withOverrides(providers, body)
}
