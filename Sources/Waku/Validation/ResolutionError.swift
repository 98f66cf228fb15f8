/// A problem while resolving a value at run time. Never a crash: each names the type.
public struct ResolutionError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Why a value could not be resolved.
    public enum Reason: Sendable, Equatable {
        /// No provider is registered for the type.
        case unregistered
        /// The type's only providers are switched off by their `when:` conditions; the associated
        /// value names them and their conditions.
        case inactive(providers: String)
        /// A `contextual` value was not supplied when its scope was created.
        case contextNotSupplied(Scope)
        /// A request-scoped value was asked of the app container.
        case requestScopedFromApp
        /// The scope was already closed.
        case scopeClosed
        /// An override had the wrong shape.
        case invalidOverride
    }

    /// The readable name of the type that could not be resolved.
    public let type: String
    /// Why it could not be resolved.
    public let reason: Reason
    /// How to fix an `unregistered` type, worked out from the type itself (so that the code it
    /// suggests compiles); `nil` when only the name is known.
    let fix: String?

    /// Creates the error for `type` (a readable type name) failing for `reason`.
    public init(type: String, reason: Reason) {
        self.type = type
        self.reason = reason
        fix = nil
    }

    /// An error for `type` itself, whose fix can spell it as Swift source.
    init(_ type: any Any.Type, reason: Reason) {
        self.type = typeName(type)
        self.reason = reason
        fix = reason == .unregistered ? missingProviderFix(type, neededBy: nil) : nil
    }

    /// Errors are equal when they name the same type for the same reason.
    public static func == (lhs: ResolutionError, rhs: ResolutionError) -> Bool {
        lhs.type == rhs.type && lhs.reason == rhs.reason
    }

    /// What went wrong and how to fix it, naming the type.
    public var description: String {
        switch reason {
        case .unregistered:
            "No provider for \(type). "
                + (fix ?? "Add a provider for it to a module (for example `scoped(\(type).init)`) and make it visible to the module that needs it.")
        case .inactive(let providers):
            "No active provider for \(type): \(providers). Make one `when:` condition hold for this configuration "
                + "(conditions read the context values given to WakuFactory), or add an unconditional provider."
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
