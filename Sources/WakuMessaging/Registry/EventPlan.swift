import Waku

/// One handler of an event, with the behaviors that wrap each of its executions.
final class EventHandlerEntry<E: IEvent>: Sendable {
    let handler: TypeKey
    let module: String
    let behaviors: [BehaviorReference]
    let run: @Sendable (E, Container) async throws -> Void

    init(handler: TypeKey, module: String, behaviors: [BehaviorReference], run: @escaping @Sendable (E, Container) async throws -> Void) {
        self.handler = handler
        self.module = module
        self.behaviors = behaviors
        self.run = run
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

    /// Handler names with their modules, in dispatch order.
    var handlerDescriptions: [(handler: String, module: String)] { [] }

    func publishErased(_ event: any IEvent, bus: MessageBus) async throws {}
}

final class EventPlan<E: IEvent>: AnyEventPlan, @unchecked Sendable {
    // @unchecked: immutable; entries are Sendable.
    let entries: [EventHandlerEntry<E>]

    init(entries: [EventHandlerEntry<E>]) {
        self.entries = entries
        super.init(messageID: ObjectIdentifier(E.self), typeName: MessageTypeName.of(E.self))
    }

    override var handlerDescriptions: [(handler: String, module: String)] {
        entries.map { ($0.handler.name, $0.module) }
    }

    override func publishErased(_ event: any IEvent, bus: MessageBus) async throws {
        guard let typed = event as? E else { return }
        try await bus.publish(typed, plan: self)
    }
}
