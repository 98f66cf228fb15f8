import Waku

/// Runs behaviors around a terminal step: behaviors[0] outermost, the terminal innermost.
/// ``HandlerInvoker`` calls it only for bindings that have behaviors.
enum Pipeline {
    static func run<M: IMessage, R: Sendable>(
        _ behaviors: [BehaviorReference], message: M, context: MessageContext, container: Container,
        terminal: () async throws -> R
    ) async throws -> R {
        try await step(0, behaviors, message, context, container, terminal)
    }

    private static func step<M: IMessage, R: Sendable>(
        _ index: Int, _ behaviors: [BehaviorReference], _ message: M, _ context: MessageContext,
        _ container: Container, _ terminal: () async throws -> R
    ) async throws -> R {
        guard index < behaviors.count else { return try await terminal() }
        // Read in place, not copied out: a copy retains every closure the reference holds.
        let behavior: any IPipelineBehavior
        if let ready = try behaviors[index].resolveNow(container) {
            behavior = ready
        } else {
            behavior = try await behaviors[index].resolve(container)
        }
        return try await behavior.handle(message, context: context) {
            try await step(index + 1, behaviors, message, context, container, terminal)
        }
    }
}
