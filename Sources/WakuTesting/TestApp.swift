public import Waku

/// The root module of a test application: imports the module under test and extra imports.
struct TestRootModule: Module {
    let imports: [any Module]
    let providers: [Provider]
    let extensions: [any ModuleExtension]
}

/// Builds and initializes an application for a test.
///
/// With a `base`, each of `providers` whose type `base` (or an import) provides replaces that
/// provider wherever it lives: a test override, whose own dependencies skip the boundary checks.
/// Every other provider is added to the test's root module and validated like any provider: its
/// dependencies must be visible from that root (exported by `base`, by `imports`, or global).
/// Without a `base`, `providers` are the root module's own providers, as in waku. `imports` adds
/// modules next to `base`; `moduleExtensions` are the root module's extensions (for example a
/// `MessagingExtension` binding test handlers), `extensions` the application's.
///
/// Close it with `app.close()`, or use
/// ``withTestApp(base:providers:imports:context:extensions:moduleExtensions:validation:isolation:_:)``,
/// which always does.
public func makeTestApp(
    base: (any Module)? = nil,
    providers: [Provider] = [],
    imports: [any Module] = [],
    context: ContextValues = ContextValues(),
    extensions: [any ApplicationExtension] = [],
    moduleExtensions: [any ModuleExtension] = [],
    validation: ValidationMode = .strict
) async throws -> WakuApplication {
    let factory: (TestRootModule) -> WakuFactory = { root in
        WakuFactory(root, context: context, extensions: extensions, validation: validation)
    }
    let app: WakuApplication
    if let base {
        app = try factory(TestRootModule(imports: [base] + imports, providers: [], extensions: moduleExtensions))
            .build(overrides: providers)
    } else {
        app = try await factory(TestRootModule(imports: imports, providers: providers, extensions: moduleExtensions))
            .create()
    }
    try await app.initialize()
    return app
}

/// Builds a test app with
/// ``makeTestApp(base:providers:imports:context:extensions:moduleExtensions:validation:)``, runs
/// `body`, and always closes the app.
public func withTestApp<R>(
    base: (any Module)? = nil,
    providers: [Provider] = [],
    imports: [any Module] = [],
    context: ContextValues = ContextValues(),
    extensions: [any ApplicationExtension] = [],
    moduleExtensions: [any ModuleExtension] = [],
    validation: ValidationMode = .strict,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (WakuApplication) async throws -> R
) async throws -> R {
    let app = try await makeTestApp(
        base: base, providers: providers, imports: imports, context: context, extensions: extensions,
        moduleExtensions: moduleExtensions, validation: validation)
    do {
        let result = try await body(app)
        try await app.close()
        return result
    } catch {
        try? await app.close()
        throw error
    }
}
