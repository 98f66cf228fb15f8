// Request scopes whose lifetime is not one closure, for integrations inside this package.

extension WakuApplication {
    /// Opens a request scope that the caller must close with ``closeRequestScope(_:)``.
    ///
    /// ``withContainer(context:isolation:_:)`` is the public way to open a scope: it cannot leak one.
    /// This exists for integrations whose scope outlives a single closure. An HTTP response body, for
    /// example, is written after the route handler (and every middleware) has returned, so the scope
    /// closes only when that write ends (WakuHummingbird).
    package func openRequestScope(context: ContextValues = ContextValues()) -> Container {
        Container(requestOf: container, context: context)
    }

    /// Closes a scope opened with ``openRequestScope(context:)``: its cleanups run in reverse creation
    /// order, and later resolutions fail with `scopeClosed`. Closing twice does nothing. Returns the
    /// errors cleanups threw (each one is also logged); every cleanup runs regardless.
    @discardableResult
    package func closeRequestScope(_ scope: Container) async -> [any Error] {
        await scope.close()
    }
}

extension WakuApplication {
    /// The instance an `object(…)` provider of `T` was given, read from the graph without
    /// resolving anything, so it also answers after ``close()``; `nil` when `T` has no
    /// instance provider. For integrations inside this package that expose state to read after
    /// close (the messaging runtime's stop reports).
    package func providedInstance<T>(_ type: T.Type) -> T? {
        let graph = container.graph
        guard let position = graph.lookup[ObjectIdentifier(type)], position >= 0, position < graph.slots.count,
              case .instance(let box) = graph.slots[position].kind
        else { return nil }
        return (box as? Box<T>)?.value
    }
}
