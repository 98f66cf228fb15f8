public import Foundation
import Waku

/// One routed handler execution waiting in, or taken from, an endpoint.
///
/// Each routed handler of a published event is its own delivery, so one failing handler never
/// affects another.
public struct Delivery: Sendable {
    /// The dispatch's envelope: routed handlers see the same `messageId` and `correlationId`.
    ///
    /// A delivery of a dispatch that nothing traced or observed carries only the envelope's
    /// fields until a local queue's worker builds it; until then each read builds a new envelope
    /// (an allocation), so an ``Endpoint`` of your own should read it once and keep it.
    public var envelope: MessageEnvelope {
        switch carried {
        case .envelope(let envelope): envelope
        case .fields(let fields):
            MessageEnvelope(
                messageId: fields.messageId, correlationId: fields.correlationId, causationId: fields.causationId,
                messageType: target.messageType, timestamp: enqueuedAt, payload: fields.payload, headers: options.headers)
        }
    }
    /// The handler this delivery runs.
    public var handler: String { target.handlerName }
    /// The endpoint the delivery is routed to.
    public let endpoint: String
    /// Attempts made so far.
    public internal(set) var attempts: Int
    /// Group key, schedule and extra headers given at dispatch.
    public let options: DeliveryOptions
    /// The durable row this delivery came from, if any.
    var storedID: Int64?
    /// When it was first enqueued: for a routed `publish` or `send`, the dispatch's timestamp
    /// (the same moment, give or take the inline handlers), which spares a clock read.
    public let enqueuedAt: Date
    let target: DeliveryTarget
    private var carried: Carried

    /// The envelope itself, or what it is made of.
    private enum Carried: Sendable {
        case envelope(MessageEnvelope)
        case fields(EnvelopeFields)
    }

    // No object of its own: a delivery is made by the publishing task and dropped by a worker,
    // usually on another thread, and with glibc an allocation freed across threads takes the
    // allocator's lock on both sides. A copy retains the target and the envelope's one storage
    // (or copies the fields' payload); the endpoint name is short and the default options hold
    // no heap storage.
    init(
        envelope: MessageEnvelope, target: DeliveryTarget, endpoint: String, attempts: Int = 0, options: DeliveryOptions = .none,
        enqueuedAt: Date? = nil
    ) {
        carried = .envelope(envelope)
        self.target = target
        self.endpoint = endpoint
        self.options = options
        self.attempts = attempts
        self.enqueuedAt = enqueuedAt ?? Date()
    }

    /// A delivery of a dispatch whose envelope nobody has needed yet: the worker task that takes
    /// it builds the envelope (see ``settle()``), so its storage is allocated and, usually, freed
    /// on the same thread. The envelope's type name, timestamp and headers are the target's
    /// message type, `timestamp` and `options.headers`, as ``MessageBus`` builds them.
    init(fields: EnvelopeFields, timestamp: Date, target: DeliveryTarget, endpoint: String, options: DeliveryOptions) {
        carried = .fields(fields)
        self.target = target
        self.endpoint = endpoint
        self.options = options
        attempts = 0
        enqueuedAt = timestamp
    }

    /// Builds the envelope once, so every later read shares one storage.
    mutating func settle() {
        if case .fields = carried { carried = .envelope(envelope) }
    }
}

/// An envelope's ids and payload, before the envelope is built.
struct EnvelopeFields: Sendable {
    let messageId: UUID
    let correlationId: UUID
    let causationId: UUID
    let payload: any IMessage
}

/// A handler as a routed delivery runs it: type-erased over the message, with its behaviors.
final class DeliveryTarget: Sendable {
    let handler: TypeKey
    /// `handler.name`, computed once at start-up: every delivery's logs, metrics and lookups use it.
    let handlerName: String
    let module: String
    let messageID: ObjectIdentifier
    /// The message type's stable name.
    let messageType: String
    /// How durable endpoints store the message; `nil` when the type is not `Codable`.
    let codec: MessageCodec?
    let behaviors: [BehaviorReference]
    let run: @Sendable (any IMessage, Container) async throws -> Void

    init(handler: TypeKey, module: String, messageID: ObjectIdentifier, messageType: String, codec: MessageCodec?,
         behaviors: [BehaviorReference], run: @escaping @Sendable (any IMessage, Container) async throws -> Void) {
        self.handler = handler
        handlerName = handler.name
        self.module = module
        self.messageID = messageID
        self.messageType = messageType
        self.codec = codec
        self.behaviors = behaviors
        self.run = run
    }

    /// Key of this target in the runtime's lookup table: stable message type and handler names.
    var key: String { messageType + "\u{1F}" + handlerName }

    /// Runs the handler through its pipeline with the delivery's context restored, naming the
    /// endpoint it runs on (for log metadata, see `Logger.MetadataProvider.waku`).
    @inline(__always)
    func execute(_ envelope: MessageEnvelope, endpoint: String, in container: Container) async throws {
        let context = MessageContext(envelope: envelope, endpoint: endpoint)
        try await MessageContext.with(context) {
            // No behaviors: call the handler without the pipeline's frames.
            if behaviors.isEmpty { return try await run(envelope.payload, container) }
            try await runPipeline(envelope.payload, context: context, container: container)
        }
    }

    private func runPipeline<M: IMessage>(_ message: M, context: MessageContext, container: Container) async throws {
        try await Pipeline.run(behaviors, message: message, context: context, container: container) {
            try await run(message, container)
        }
    }
}
