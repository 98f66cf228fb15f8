import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Message context: ids of root and nested messages, restoration after nested dispatches, behavior
// outside a dispatch, and the envelope's contents.

struct Root: IRequest {
    typealias Response = String
    let failChild: Bool
}

struct Child: IRequest {
    typealias Response = Int
    let fail: Bool
}

struct Grandchild: IEvent {}

struct Observed: IEvent, Equatable {
    let value: Int
}

/// Captures the context before, between and after nested dispatches.
struct RootHandler: RequestHandler {
    let probe: Probe
    let sender: any ISender
    let publisher: any IPublisher
    func handle(_ request: Root) async throws -> String {
        probe.capture("root.before", MessageContext.current)
        _ = try await sender.invoke(Child(fail: false))
        probe.capture("root.afterChild", MessageContext.current)
        do {
            _ = try await sender.invoke(Child(fail: true))
        } catch let error as Boom {
            probe.record("root caught \(error.code)")
        }
        probe.capture("root.afterFailedChild", MessageContext.current)
        try await publisher.publish(Observed(value: 1))
        probe.capture("root.afterPublish", MessageContext.current)
        if request.failChild { _ = try await sender.invoke(Child(fail: true)) }
        return "root done"
    }
}

struct ChildHandler: RequestHandler {
    let probe: Probe
    let publisher: any IPublisher
    func handle(_ request: Child) async throws -> Int {
        probe.capture(request.fail ? "child.failing" : "child", MessageContext.current)
        if request.fail { throw Boom(code: 99) }
        try await publisher.publish(Grandchild())
        probe.capture("child.afterGrandchild", MessageContext.current)
        return 1
    }
}

struct GrandchildHandler: EventHandler {
    let probe: Probe
    func handle(_ event: Grandchild) async throws { probe.capture("grandchild", MessageContext.current) }
}

struct ObservedHandler: EventHandler {
    let probe: Probe
    func handle(_ event: Observed) async throws { probe.capture("observed", MessageContext.current) }
}

/// A second handler of the same event, to compare what both see.
struct ObservedSecondHandler: EventHandler {
    let probe: Probe
    func handle(_ event: Observed) async throws { probe.capture("observed.second", MessageContext.current) }
}

private func contextModule() -> OrdersModule {
    OrdersModule(extensions: [
        MessagingExtension()
            .bindRequest(Root.self, RootHandler.init)
            .bindRequest(Child.self, ChildHandler.init)
            .bindEvent(Grandchild.self, GrandchildHandler.init)
            .bindEvent(Observed.self, ObservedHandler.init)
            .bindEvent(Observed.self, ObservedSecondHandler.init),
    ])
}

@Suite("Message context")
struct MessageContextTests {
    @Test("a root message has causationId == messageId, and each root starts its own correlation")
    func rootMessage() async throws {
        let probe = Probe()
        try await withApp([contextModule()], probe: probe) { app in
            try await inScope(app) { bus in
                try await bus.publish(Observed(value: 1))
                try await bus.publish(Observed(value: 2))
            }
        }
        let contexts = probe.contexts("observed").compactMap { $0 }
        #expect(contexts.count == 2)
        for context in contexts {
            #expect(context.causationId == context.messageId)
            #expect(context.correlationId == context.messageId)
        }
        #expect(contexts[0].messageId != contexts[1].messageId)
        #expect(contexts[0].correlationId != contexts[1].correlationId)
        // Every handler of one publish sees the same context.
        #expect(probe.contexts("observed.second").map { $0?.messageId } == contexts.map(\.messageId))
    }

    @Test("a nested message inherits the correlation, is caused by its parent, and has its own id")
    func nestedMessage() async throws {
        let probe = Probe()
        let reply = try await withApp([contextModule()], probe: probe) { app in
            try await inScope(app) { bus in try await bus.invoke(Root(failChild: false)) }
        }
        #expect(reply == "root done")
        let root = try probe.only("root.before")
        let child = try probe.only("child")
        let grandchild = try probe.only("grandchild")
        let failing = try probe.only("child.failing")
        let observed = probe.contexts("observed").compactMap { $0 }
        #expect(observed.count == 1)

        #expect(root.causationId == root.messageId)
        for nested in [child, failing] + observed {
            #expect(nested.correlationId == root.correlationId)
            #expect(nested.causationId == root.messageId)
            #expect(nested.messageId != root.messageId)
        }
        #expect(grandchild.correlationId == root.correlationId)
        #expect(grandchild.causationId == child.messageId)
        #expect(Set([root, child, failing, grandchild, observed[0]].map(\.messageId)).count == 5)
    }

    @Test("after a nested dispatch returns or throws, the parent's context is current again")
    func parentRestored() async throws {
        let probe = Probe()
        try await withApp([contextModule()], probe: probe) { app in
            try await inScope(app) { bus in
                await #expect(throws: Boom(code: 99)) { _ = try await bus.invoke(Root(failChild: true)) }
                // Outside every dispatch again, even though the last one threw.
                #expect(MessageContext.current == nil)
            }
        }
        let root = try probe.only("root.before")
        for name in ["root.afterChild", "root.afterFailedChild", "root.afterPublish"] {
            #expect(try probe.only(name).messageId == root.messageId, "\(name)")
        }
        let child = try probe.only("child")
        #expect(try probe.only("child.afterGrandchild").messageId == child.messageId)
        #expect(probe.log == ["root caught 99"])
    }

    @Test("outside a dispatch there is no current context and required() throws NoActiveMessageContext")
    func outsideDispatch() async throws {
        #expect(MessageContext.current == nil)
        #expect(throws: NoActiveMessageContext.self) { _ = try MessageContext.required() }
        let probe = Probe()
        try await withApp([contextModule()], probe: probe) { app in
            try await inScope(app) { bus in
                try await bus.publish(Observed(value: 3))
                #expect(MessageContext.current == nil)
                #expect(throws: NoActiveMessageContext.self) { _ = try MessageContext.required() }
            }
        }
        #expect(probe.contexts("observed").count == 1)
        // A task started outside a dispatch has no context either.
        let inTask = await Task { MessageContext.current == nil }.value
        #expect(inTask)
    }

    @Test("the envelope carries a stable type name, a timestamp, the payload and headers")
    func envelopeContents() async throws {
        let probe = Probe()
        let before = Date()
        try await withApp([contextModule()], probe: probe) { app in
            try await inScope(app) { bus in
                try await bus.publish(Observed(value: 41))
                try await bus.publish(Observed(value: 42))
            }
        }
        let after = Date()
        let contexts = probe.contexts("observed").compactMap { $0 }
        #expect(contexts.count == 2)
        let name = MessageTypeName.of(Observed.self)
        #expect(name.contains("Observed"))
        for (context, value) in zip(contexts, [41, 42]) {
            let envelope = context.envelope
            #expect(envelope.messageType == name)
            #expect(context.messageType == name)
            #expect(envelope.payload as? Observed == Observed(value: value))
            #expect(envelope.headers == [:])
            #expect(context.headers == envelope.headers)
            #expect(envelope.messageId == context.messageId)
            #expect(envelope.correlationId == context.correlationId)
            #expect(envelope.causationId == context.causationId)
            #expect(before <= envelope.timestamp && envelope.timestamp <= after)
        }
        #expect(contexts[0].envelope.timestamp <= contexts[1].envelope.timestamp)
    }

    @Test("a request's envelope names the request type and carries the request")
    func requestEnvelope() async throws {
        let probe = Probe()
        try await withApp([contextModule()], probe: probe) { app in
            try await inScope(app) { bus in _ = try await bus.invoke(Child(fail: false)) }
        }
        let child = try probe.only("child")
        #expect(child.messageType == MessageTypeName.of(Child.self))
        #expect(child.messageType.contains("Child"))
        #expect((child.envelope.payload as? Child)?.fail == false)
    }

    @Test("a context built from an envelope exposes the envelope's fields")
    func contextFromEnvelope() {
        let id = UUID()
        let correlation = UUID()
        let envelope = MessageEnvelope(
            messageId: id, correlationId: correlation, causationId: correlation, messageType: "Shop.Observed",
            timestamp: Date(timeIntervalSince1970: 5), payload: Observed(value: 1), headers: ["tenant": "t-1"])
        let context = MessageContext(envelope: envelope)
        #expect(context.messageId == id)
        #expect(context.correlationId == correlation)
        #expect(context.causationId == correlation)
        #expect(context.messageType == "Shop.Observed")
        #expect(context.headers == ["tenant": "t-1"])
    }

    @Test("an envelope is a value: changing one copy's headers leaves the other copies alone")
    func envelopeHeadersAreCopiedOnWrite() {
        let original = MessageEnvelope(
            messageId: UUID(), correlationId: UUID(), causationId: UUID(), messageType: "Shop.Observed",
            timestamp: Date(timeIntervalSince1970: 5), payload: Observed(value: 1), headers: ["tenant": "t-1"])
        var changed = original
        changed.headers["trace"] = "abc"
        var replaced = original
        replaced.headers = [:]
        #expect(original.headers == ["tenant": "t-1"])
        #expect(changed.headers == ["tenant": "t-1", "trace": "abc"])
        #expect(replaced.headers.isEmpty)
        // The other fields are shared, unchanged.
        #expect(changed.messageId == original.messageId)
        #expect(changed.messageType == "Shop.Observed")
        #expect((changed.payload as? Observed)?.value == 1)
        let context = MessageContext(envelope: original)
        #expect(context.headers == ["tenant": "t-1"])
    }

    @Test("generated message ids are unique")
    func uniqueIds() {
        let ids = (0..<10_000).map { _ in MessageIDGenerator.next() }
        #expect(Set(ids).count == ids.count)
    }
}
