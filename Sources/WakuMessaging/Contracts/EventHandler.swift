public import Waku

/// Handles one event type. Dependencies come through the initializer; handlers are resolved
/// from the dispatch's request scope, so each scope gets its own instances.
///
/// ```swift
/// final class SendConfirmationEmail: EventHandler {
///     private let emailService: any EmailService
///     init(emailService: any EmailService) { self.emailService = emailService }
///     func handle(_ event: OrderPlaced) async throws { … }
/// }
/// ```
public protocol EventHandler<Event>: Sendable {
    /// The event type this handler handles.
    associatedtype Event: IEvent
    /// Handles one published event. A thrown error reaches the caller of an inline `publish`; for a
    /// routed handler it goes to the endpoint's error policy.
    func handle(_ event: Event) async throws

    /// Resolves this handler from `container` and runs it. Not for implementing: the default is
    /// inlinable, so its witness is specialized where the handler is declared, and a handler
    /// bound by type (`bindEvent(E.self, [H.self])`) is resolved without generic code.
    static func _resolveAndHandle(_ event: Event, in container: Container) async throws

    /// The same for a message that arrives type-erased (a routed delivery, or any dispatch
    /// through a ``HandlerInvoker``); does nothing if `message` is not an `Event`. Not for
    /// implementing: its default casts where `Event` is concrete, not in generic code.
    static func _resolveAndHandle(message: any IMessage, in container: Container) async throws
}

extension EventHandler {
    @inlinable
    public static func _resolveAndHandle(_ event: Event, in container: Container) async throws {
        try await container.get(Self.self).handle(event)
    }

    @inlinable
    public static func _resolveAndHandle(message: any IMessage, in container: Container) async throws {
        guard let event = cast(message, to: Event.self) else { return }
        try await container.get(Self.self).handle(event)
    }
}
