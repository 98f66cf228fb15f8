public import Waku

/// A type the framework can register on your behalf.
///
/// Handlers and behaviors listed by type (`bindEvent(E.self, [H.self])`) are resolved through the
/// container. When no module provides one, the framework registers it request-scoped in the
/// binding module from this factory:
///
/// ```swift
/// extension SendConfirmationEmail: Injectable {
///     static var factory: Factory<SendConfirmationEmail> { Factory(SendConfirmationEmail.init) }
/// }
/// ```
public protocol Injectable: Sendable {
    /// How to build the type when no module provides it; the framework registers it request-scoped.
    static var factory: Factory<Self> { get }
}
