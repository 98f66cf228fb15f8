import Foundation
import WakuMessaging

/// `floor.invoke` / `floor.publish`: the hand-wired scenarios plus, written by hand and nothing
/// else, what the messaging spec requires of every dispatch with a fresh request scope:
///
/// - a request scope: here the least one can be, one object holding the message's scoped
///   instances (no lookup, no locking, no cleanup list);
/// - a `MessageEnvelope` with a new id, the parent's correlation, the type name, a timestamp,
///   the payload and headers;
/// - the task-local message context, bound around the handlers.
///
/// No framework can dispatch for less, so `floor.*` ÷ `handwired.*` is the lowest ratio to
/// hand-wired code any implementation of the spec can reach on the host. Batch-timed, as the
/// hand-wired scenarios are.
enum FloorBus {
    @TaskLocal static var context: MessageEnvelope?

    /// The scoped instances of one message.
    final class MinimalScope {
        var repository: Repository?
        var handlers: (AnyObject?, AnyObject?)
    }

    static func invoke(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let clock = ClockService()
        let typeName = MessageTypeName.of(Ping.self)
        return try await Harness.measureBatches(plans.handwiredBus) { n in
            for i in 0 ..< n {
                let scope = MinimalScope()
                let request = Ping(value: i)
                let result = try await $context.withValue(envelope(for: request, typeName: typeName)) {
                    let repository = Repository()
                    scope.repository = repository
                    let handler = PingHandler(clock: clock, repository: repository)
                    scope.handlers.0 = handler
                    return try await handler.handle(request)
                }
                sink.keep(scope)
                sink.consume(result.value)
            }
        }
    }

    static func publish(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let clock = ClockService()
        let typeName = MessageTypeName.of(Pinged.self)
        return try await Harness.measureBatches(plans.handwiredBus) { n in
            for i in 0 ..< n {
                let scope = MinimalScope()
                let event = Pinged(value: i)
                try await $context.withValue(envelope(for: event, typeName: typeName)) {
                    let repository = Repository()
                    scope.repository = repository
                    let first = PingedHandlerA(clock: clock, repository: repository)
                    scope.handlers.0 = first
                    let second = PingedHandlerB(clock: clock, repository: repository)
                    scope.handlers.1 = second
                    try await first.handle(event)
                    try await second.handle(event)
                }
                sink.keep(scope)
            }
        }
    }

    /// A root or nested envelope, linked to the context in effect, as the bus builds it.
    static func envelope(for message: any IMessage, typeName: String) -> MessageEnvelope {
        let id = MessageIDGenerator.next()
        let parent = context
        return MessageEnvelope(
            messageId: id, correlationId: parent?.correlationId ?? id, causationId: parent?.messageId ?? id,
            messageType: typeName, timestamp: Date(), payload: message)
    }
}
