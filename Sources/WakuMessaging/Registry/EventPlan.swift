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

    init(handler: TypeKey, module: String, behaviors: [BehaviorReference], endpoint: String?,
         run: @escaping @Sendable (E, Container) async throws -> Void) {
        self.handler = handler
        self.module = module
        self.behaviors = behaviors
        self.endpoint = endpoint
        self.run = run
        target = DeliveryTarget(
            handler: handler, module: module, messageID: ObjectIdentifier(E.self), behaviors: behaviors,
            run: { message, container in
                guard let event = message as? E else { return }
                try await run(event, container)
            })
    }
}

/// The compiled fan-out of one event type: handlers from every module, in registration order.
class AnyEventPlan: @unchecked Sendable {
    // @unchecked: immutable after start-up; subclasses hold only `let` Sendable values.
    let messageID: ObjectIdentifier
    let typeName: String

    init(messageID: ObjectIdentifier, typeName: String) {
        self.messageID = messageID
        self.typeName = typeName
    }

    /// Handler names with their modules and endpoints, in dispatch order.
    var handlerDescriptions: [(handler: String, module: String, endpoint: String?)] { [] }

    func publishErased(_ event: any IEvent, bus: MessageBus) async throws {}
}

final class EventPlan<E: IEvent>: AnyEventPlan, @unchecked Sendable {
    // @unchecked: immutable; entries are Sendable.
    let entries: [EventHandlerEntry<E>]
    /// Inline handlers, in registration order; they run first, sequentially.
    let inline: [EventHandlerEntry<E>]
    /// Routed handlers; each becomes one delivery to its endpoint.
    let routed: [EventHandlerEntry<E>]

    init(entries: [EventHandlerEntry<E>]) {
        self.entries = entries
        inline = entries.filter { $0.endpoint == nil }
        routed = entries.filter { $0.endpoint != nil }
        super.init(messageID: ObjectIdentifier(E.self), typeName: MessageTypeName.of(E.self))
    }

    override var handlerDescriptions: [(handler: String, module: String, endpoint: String?)] {
        entries.map { ($0.handler.name, $0.module, $0.endpoint) }
    }

    override func publishErased(_ event: any IEvent, bus: MessageBus) async throws {
        guard let typed = event as? E else { return }
        try await bus.publish(typed, plan: self)
    }
}
