/// Configuration of ``MessagingModule``.
public struct MessagingConfig: Sendable {
    /// Behaviors that wrap every dispatch, outermost first.
    public var pipelineBehaviors: [any IPipelineBehavior.Type]

    public init(pipelineBehaviors: [any IPipelineBehavior.Type] = []) {
        self.pipelineBehaviors = pipelineBehaviors
    }

    /// What identifies this configuration when `MessagingModule.register` is imported twice.
    var identity: String {
        "behaviors=" + pipelineBehaviors.map { String(reflecting: $0) }.joined(separator: ",")
    }
}
