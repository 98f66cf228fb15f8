public import Waku

/// The root module of a test application: imports the module under test and extra imports.
struct TestRootModule: Module {
    let imports: [any Module]
    let providers: [Provider]
}

/// Builds and initializes an application for a test.
///
/// `providers` override the providers of the same type anywhere in `base` (and are added when no
/// such provider exists); `imports` adds modules next to `base`. Close it with `app.close()`, or
/// use ``withTestApp(base:providers:imports:context:validation:_:)`` which always does.
public func makeTestApp(
    base: any Module,
    providers: [Provider] = [],
    imports: [any Module] = [],
    context: ContextValues = ContextValues(),
    extensions: [any ApplicationExtension] = [],
    validation: ValidationMode = .strict
) async throws -> WakuApplication {
    let root = TestRootModule(imports: [base] + imports, providers: [])
    let app = try WakuFactory(root, context: context, extensions: extensions, validation: validation)
        .build(overrides: providers)
    try await app.initialize()
    return app
}

/// Builds a test app with ``makeTestApp(base:providers:imports:context:extensions:validation:)``,
/// runs `body`, and always closes the app.
public func withTestApp<R>(
    base: any Module,
    providers: [Provider] = [],
    imports: [any Module] = [],
    context: ContextValues = ContextValues(),
    extensions: [any ApplicationExtension] = [],
    isolation: isolated (any Actor)? = #isolation,
    _ body: (WakuApplication) async throws -> R
) async throws -> R {
    let app = try await makeTestApp(
        base: base, providers: providers, imports: imports, context: context, extensions: extensions)
    do {
        let result = try await body(app)
        try await app.close()
        return result
    } catch {
        try? await app.close()
        throw error
    }
}
