import Waku

/// One handler of an event, with the behaviors that wrap each of its executions.
final class EventHandlerEntry<E: IEvent>: Sendable {
    let handler: TypeKey
    let module: String
    let behaviors: [BehaviorReference]
    /// The endpoint this handler is routed to; `nil` runs it inline.
    let endpoint: String?
    let run: @Sendable (E, Container) async throws -> Void
    /// The same handler as a routed delivery runs it.
    let target: DeliveryTarget

    init(handler: TypeKey, context: PlanContext, run: @escaping @Sendable (E, Container) async throws -> Void) {
        self.handler = handler
        module = context.module
        behaviors = context.behaviors
        endpoint = context.endpoint
        self.run = run
        target = DeliveryTarget(
            handler: handler, module: context.module, messageID: ObjectIdentifier(E.self), messageType: context.typeName,
            codec: MessageCodec.make(for: E.self), behaviors: context.behaviors,
            run: { message, container in
                if isExactly(message, E.self) { return try await run(reinterpret(message, as: E.self), container) }
                try await withCast(message, to: E.self) { try await run($0, container) }
            })
    }
}

/// The compiled fan-out of one event type: handlers from every module, in registration order.
// @unchecked: immutable after start-up; subclasses hold only `let` Sendable values.
class AnyEventPlan: @unchecked Sendable {
    let messageID: ObjectIdentifier
    let typeName: String

    init(messageID: ObjectIdentifier, typeName: String) {
        self.messageID = messageID
        self.typeName = typeName
    }

    /// Every handler as a routed delivery runs it.
    var targets: [DeliveryTarget] { [] }

    /// Handler names with their modules and endpoints, in dispatch order.
    var handlerDescriptions: [(handler: String, module: String, endpoint: String?)] { [] }

    func publishErased(_ event: any IEvent, bus: MessageBus, options: DeliveryOptions) async throws {}
}

// @unchecked: immutable; entries are Sendable.
final class EventPlan<E: IEvent>: AnyEventPlan, @unchecked Sendable {
    let entries: [EventHandlerEntry<E>]
    /// Inline handlers, in registration order; they run first, sequentially.
    let inline: [EventHandlerEntry<E>]
    /// Whether any handler runs inline. `publish` is not specialized for `E`, so touching
    /// `inline` (even to find it empty) looks up `EventHandlerEntry<E>`'s metadata at run time.
    let hasInline: Bool
    /// Routed handlers, each with its endpoint; each becomes one delivery. Not generic, for the
    /// same reason.
    let routed: [(endpoint: String, target: DeliveryTarget)]

    init(entries: [EventHandlerEntry<E>], typeName: String) {
        self.entries = entries
        inline = entries.filter { $0.endpoint == nil }
        hasInline = !inline.isEmpty
        routed = entries.compactMap { entry in entry.endpoint.map { ($0, entry.target) } }
        super.init(messageID: ObjectIdentifier(E.self), typeName: typeName)
    }

    override var targets: [DeliveryTarget] { entries.map(\.target) }

    override var handlerDescriptions: [(handler: String, module: String, endpoint: String?)] {
        entries.map { ($0.handler.name, $0.module, $0.endpoint) }
    }

    override func publishErased(_ event: any IEvent, bus: MessageBus, options: DeliveryOptions) async throws {
        guard let typed = event as? E else { return }
        try await bus.publish(typed, plan: self, options: options)
    }
}
