/// Wraps a dispatch: it can read the message and context, transform the response, or
/// short-circuit by returning without calling `next`.
///
/// Order: global behaviors (``MessagingConfig/pipelineBehaviors``) in configuration order, then
/// the message's behaviors in bind order, then the handler; unwinding runs in reverse. Behaviors
/// apply to requests and to each event handler execution. They are resolved through DI in the
/// dispatch's request scope.
///
/// ```swift
/// struct LoggingBehavior: IPipelineBehavior, Injectable {
///     static var factory: Factory<LoggingBehavior> { Factory { LoggingBehavior() } }
///     func handle<M: IMessage, R: Sendable>(
///         _ message: M, context: MessageContext, next: () async throws -> R
///     ) async throws -> R {
///         print("→ \(context.messageType)")
///         defer { print("← \(context.messageType)") }
///         return try await next()
///     }
/// }
/// ```
public protocol IPipelineBehavior: Sendable {
    /// Runs around the rest of the pipeline: call `next` to continue, or return without it to
    /// short-circuit.
    func handle<M: IMessage, R: Sendable>(
        _ message: M, context: MessageContext, next: () async throws -> R
    ) async throws -> R
}
