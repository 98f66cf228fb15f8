public import Waku

/// Replaces providers inside `body` and restores them afterwards, even if `body` throws.
///
/// ```swift
/// try await override(app, object(FakeMailer(), as: (any Mailer).self)) {
///     try await app.withContainer { container in … }
/// }
/// ```
///
/// Whatever the override builds from its graph does not outlive it: an overridden singleton, and
/// every singleton that depends on an overridden type (directly, through other providers, or
/// through a `many(…)` contribution), is built afresh inside `body`, even if the app had built it
/// before, and is dropped when `body` ends, its cleanup running then. Afterwards the app sees its
/// own instances again, so tests that share one app do not see each other's fakes. Singletons
/// that depend on nothing overridden are shared with the app. A value that resolves the
/// overridden type by hand from the `Container` it injected cannot be traced, and is shared too.
///
/// Overriding a type the application never registered throws `ResolutionError` with reason
/// `invalidOverride`.
public func override<R>(
    _ app: WakuApplication,
    _ providers: Provider...,
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> R
) async throws -> R {
    try await app.withOverrides(providers, body)
}
