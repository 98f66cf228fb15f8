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
    associatedtype Event: IEvent
    func handle(_ event: Event) async throws
}
