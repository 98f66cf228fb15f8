/// A problem while resolving a value at run time. Never a crash: each names the type.
public struct ResolutionError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Reason: Sendable, Equatable {
        /// No provider is registered for the type.
        case unregistered
        /// A `contextual` value was not supplied when its scope was created.
        case contextNotSupplied(Scope)
        /// A request-scoped value was asked of the app container.
        case requestScopedFromApp
        /// The scope was already closed.
        case scopeClosed
        /// An override had the wrong shape.
        case invalidOverride
    }

    public let type: String
    public let reason: Reason

    public init(type: String, reason: Reason) {
        self.type = type
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .unregistered:
            "No provider for \(type). Add a provider for it to a module (for example `scoped(\(type).init)`) "
                + "and make it visible to the module that needs it."
        case .contextNotSupplied(let scope):
            "Context value \(type) was not supplied. Pass it in the \(scope == .app ? "WakuFactory(context:)" : "withContainer(context:)") "
                + "ContextValues, e.g. `ContextValues(value)`."
        case .requestScopedFromApp:
            "\(type) is request-scoped and cannot be resolved from the app container. "
                + "Resolve it inside `app.withContainer { container in … }`."
        case .scopeClosed:
            "Cannot resolve \(type): its scope is already closed."
        case .invalidOverride:
            "Cannot override \(type): it has no provider in the application."
        }
    }
}
