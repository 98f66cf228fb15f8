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
    /// The handler's invoker.
    let target: HandlerInvoker
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
        envelope: MessageEnvelope, target: HandlerInvoker, endpoint: String, attempts: Int = 0, options: DeliveryOptions = .none,
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
    init(fields: EnvelopeFields, timestamp: Date, target: HandlerInvoker, endpoint: String, options: DeliveryOptions) {
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
