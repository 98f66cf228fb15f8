/// Decides at ``WakuFactory/create()`` whether a conditional provider is active.
///
/// Conditions read the app's context values, which is where configuration belongs:
///
/// ```swift
/// singleton((any Cache).self, RedisCache.init, when: .context(Environment.self) { $0 == .production })
/// singleton((any Cache).self, MemoryCache.init, when: .context(Environment.self) { $0 != .production })
/// ```
///
/// Validation requires that conditional alternatives for one type leave exactly one active.
public struct Condition: Sendable, CustomStringConvertible {
    let predicate: @Sendable (ActivationContext) -> Bool
    /// What the condition tests, shown in start-up errors and in ``WakuApplication/describe()``.
    public let description: String

    /// A condition from any predicate on the app context; `description` says what it tests.
    public init(_ description: String = "custom condition", _ predicate: @escaping @Sendable (ActivationContext) -> Bool) {
        self.description = description
        self.predicate = predicate
    }

    /// Active when the app context holds a `T` that satisfies `test`.
    public static func context<T: Sendable>(
        _ type: T.Type, _ test: @escaping @Sendable (T) -> Bool
    ) -> Condition {
        Condition("context \(typeName(type)) matches") { context in
            context.value(type).map(test) ?? false
        }
    }

    /// Active when the app context holds a value of type `T`.
    public static func hasContext<T: Sendable>(_ type: T.Type) -> Condition {
        Condition("context \(typeName(type)) present") { $0.value(type) != nil }
    }

    /// Active when `flag` is true; useful for configuration known before start-up.
    public static func flag(_ flag: Bool, _ description: String = "flag") -> Condition {
        Condition(description) { _ in flag }
    }
}

/// What a ``Condition`` can read: the app context values given to ``WakuFactory``.
public struct ActivationContext: Sendable {
    /// The app-scope context values the application was created with.
    public let context: ContextValues
    /// The app context's value of type `T`, or `nil` if none was supplied.
    public func value<T: Sendable>(_ type: T.Type) -> T? { context[type] }
}
