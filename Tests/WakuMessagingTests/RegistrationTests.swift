import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Registration: chained bindings, the autowired forms, how handlers listed by type are resolved
// (provided, Injectable, neither), module boundaries, request scoping of handlers, the bus
// providers, and merging of bindings across modules.

struct Ping: IEvent, Equatable {
    let n: Int
}

struct Echo: IRequest {
    typealias Response = String
    let text: String
}

/// A scoped handler that counts its constructions and logs which instance handled what.
final class FirstPingHandler: EventHandler {
    let probe: Probe
    let serial: Int
    init(probe: Probe) {
        self.probe = probe
        serial = probe.bump("FirstPingHandler.init")
    }
    func handle(_ event: Ping) async throws { probe.record("first#\(serial) \(event.n)") }
}

final class SecondPingHandler: EventHandler {
    let probe: Probe
    init(probe: Probe) { self.probe = probe }
    func handle(_ event: Ping) async throws { probe.record("second \(event.n)") }
}

final class ThirdPingHandler: EventHandler {
    let probe: Probe
    init(probe: Probe) { self.probe = probe }
    func handle(_ event: Ping) async throws { probe.record("third \(event.n)") }
}

/// Provided nowhere: the framework registers it from `factory`, request-scoped.
final class InjectablePingHandler: EventHandler, Injectable {
    let probe: Probe
    let serial: Int
    init(probe: Probe) {
        self.probe = probe
        serial = probe.bump("InjectablePingHandler.init")
    }
    static var factory: Factory<InjectablePingHandler> { Factory(InjectablePingHandler.init) }
    func handle(_ event: Ping) async throws { probe.record("injectable#\(serial) \(event.n)") }
}

/// Neither provided nor Injectable.
final class OrphanPingHandler: EventHandler {
    init() {}
    func handle(_ event: Ping) async throws {}
}

final class EchoHandler: RequestHandler {
    let probe: Probe
    let serial: Int
    init(probe: Probe) {
        self.probe = probe
        serial = probe.bump("EchoHandler.init")
    }
    func handle(_ request: Echo) async throws -> String {
        probe.record("echo#\(serial) \(request.text)")
        return "echo: \(request.text)"
    }
}

final class InjectableEchoHandler: RequestHandler, Injectable {
    let probe: Probe
    init(probe: Probe) { self.probe = probe }
    static var factory: Factory<InjectableEchoHandler> { Factory(InjectableEchoHandler.init) }
    func handle(_ request: Echo) async throws -> String { "injectable: \(request.text)" }
}

final class OrphanEchoHandler: RequestHandler {
    init() {}
    func handle(_ request: Echo) async throws -> String { "" }
}

/// Logs around each execution, to show a chained binding's behaviors are attached.
struct MarkBehavior: IPipelineBehavior, Injectable {
    let probe: Probe
    static var factory: Factory<MarkBehavior> { Factory(MarkBehavior.init) }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        probe.record("mark>")
        let result = try await next()
        probe.record("mark<")
        return result
    }
}

/// Reports the context it was constructed with, and the one current while it handles.
struct WhoAmI: IRequest {
    typealias Response = [UUID]
}

final class WhoAmIHandler: RequestHandler {
    let injected: MessageContext
    init(context: MessageContext) { injected = context }
    func handle(_ request: WhoAmI) async throws -> [UUID] {
        let current = try MessageContext.required()
        return [injected.messageId, current.messageId, injected.correlationId, current.correlationId]
    }
}

@Suite("Registration")
struct RegistrationTests {
    @Test("bindEvent with a handler list and behaviors chains with bindRequest on one MessagingExtension")
    func chainedBindings() async throws {
        let probe = Probe()
        let orders = OrdersModule(
            providers: [scoped(FirstPingHandler.init), scoped(SecondPingHandler.init), scoped(EchoHandler.init)],
            extensions: [
                MessagingExtension()
                    .bindEvent(Ping.self, [FirstPingHandler.self, SecondPingHandler.self], behaviors: [MarkBehavior.self])
                    .bindRequest(Echo.self, EchoHandler.self, behaviors: [MarkBehavior.self]),
            ])
        let (reply, registry) = try await withApp([orders], probe: probe) { app in
            try await app.withContainer { container in
                let bus = try await container.get((any IMessageBus).self)
                try await bus.publish(Ping(n: 1))
                let reply = try await bus.invoke(Echo(text: "hi"))
                return (reply, try await container.get(MessageRegistry.self))
            }
        }
        #expect(reply == "echo: hi")
        #expect(probe.log == ["mark>", "first#1 1", "mark<", "mark>", "second 1", "mark<", "mark>", "echo#1 hi", "mark<"])
        #expect(registry.handlers(of: Ping.self) == ["FirstPingHandler", "SecondPingHandler"])
        #expect(registry.handler(of: Echo.self) == "EchoHandler")
    }

    @Test("the autowired forms register the handler's provider and bind it in one step")
    func autowiredForms() async throws {
        let probe = Probe()
        // No providers at all: the autowired forms supply them.
        let orders = OrdersModule(extensions: [
            MessagingExtension()
                .bindEvent(Ping.self, FirstPingHandler.init)
                .bindEvent(Ping.self, SecondPingHandler.init)
                .bindRequest(Echo.self, EchoHandler.init),
        ])
        let reply = try await withApp([orders], probe: probe) { app in
            try await inScope(app) { bus in
                try await bus.publish(Ping(n: 5))
                return try await bus.invoke(Echo(text: "auto"))
            }
        }
        #expect(reply == "echo: auto")
        #expect(probe.log == ["first#1 5", "second 5", "echo#1 auto"])
    }

    @Test("an autowired handler is registered request-scoped in its module")
    func autowiredHandlerIsResolvable() async throws {
        let probe = Probe()
        let orders = OrdersModule(extensions: [MessagingExtension().bindRequest(Echo.self, EchoHandler.init)])
        let serials = try await withApp([orders], probe: probe) { app in
            try await app.withContainer { container in
                let first = try await container.get(EchoHandler.self)
                let second = try await container.get(EchoHandler.self)
                return [first.serial, second.serial]
            }
        }
        #expect(serials == [1, 1])
    }

    @Test("a handler listed by type and provided by the module is resolved from it")
    func handlerProvidedByModule() async throws {
        let probe = Probe()
        let orders = OrdersModule(
            providers: [scoped(SecondPingHandler.init), scoped(EchoHandler.init)],
            extensions: [MessagingExtension().bindEvent(Ping.self, [SecondPingHandler.self]).bindRequest(Echo.self, EchoHandler.self)])
        let reply = try await withApp([orders], probe: probe) { app in
            try await inScope(app) { bus in
                try await bus.publish(Ping(n: 2))
                return try await bus.invoke(Echo(text: "provided"))
            }
        }
        #expect(reply == "echo: provided")
        #expect(probe.log == ["second 2", "echo#1 provided"])
    }

    @Test("a handler provided by an imported module that exports it is visible to the binding module")
    func handlerExportedByImportedModule() async throws {
        let probe = Probe()
        let notification = NotificationModule(providers: [scoped(SecondPingHandler.init)], exports: [.type(SecondPingHandler.self)])
        let orders = OrdersModule(imports: [notification], extensions: [MessagingExtension().bindEvent(Ping.self, [SecondPingHandler.self])])
        try await withApp([orders], probe: probe) { app in
            try await inScope(app) { bus in try await bus.publish(Ping(n: 3)) }
        }
        #expect(probe.log == ["second 3"])
    }

    @Test("an Injectable handler that no module provides is registered automatically, request-scoped")
    func injectableHandlerAutoRegistered() async throws {
        let probe = Probe()
        let orders = OrdersModule(extensions: [
            MessagingExtension().bindEvent(Ping.self, [InjectablePingHandler.self]).bindRequest(Echo.self, InjectableEchoHandler.self),
        ])
        let reply = try await withApp([orders], probe: probe) { app in
            let first = try await inScope(app) { bus in
                try await bus.publish(Ping(n: 1))
                try await bus.publish(Ping(n: 2))
                return try await bus.invoke(Echo(text: "x"))
            }
            try await inScope(app) { bus in try await bus.publish(Ping(n: 3)) }
            return first
        }
        #expect(reply == "injectable: x")
        #expect(probe.log == ["injectable#1 1", "injectable#1 2", "injectable#2 3"])
        #expect(probe.count("InjectablePingHandler.init") == 2)
    }

    @Test("a handler that is neither provided nor Injectable is a messaging start-up error naming handler, message and module")
    func unresolvableEventHandler() async throws {
        let error = try await startupError([OrdersModule(extensions: [MessagingExtension().bindEvent(Ping.self, [OrphanPingHandler.self])])])
        let issue = try error.issue(of: .messaging, mentioning: "OrphanPingHandler")
        #expect(issue.kind == .messaging)
        #expect(issue.message.contains("Ping"))
        #expect(issue.message.contains("OrdersModule"))
        #expect(issue.modules == ["OrdersModule"])
        #expect(issue.fix.contains("Injectable"))
        // Reported once: not again as a missing dependency of the binding.
        #expect(error.issues.count == 1, "\(error)")
    }

    @Test("a request handler that is neither provided nor Injectable is a messaging start-up error")
    func unresolvableRequestHandler() async throws {
        let error = try await startupError([BillingModule(extensions: [MessagingExtension().bindRequest(Echo.self, OrphanEchoHandler.self)])])
        let issue = try error.issue(of: .messaging, mentioning: "OrphanEchoHandler")
        #expect(issue.message.contains("Echo"))
        #expect(issue.message.contains("BillingModule"))
        #expect(issue.fix.contains("Injectable"))
        #expect(error.issues.count == 1, "\(error)")
    }

    @Test("a handler provided by a module the binding module does not import is a boundary violation")
    func handlerInInvisibleModule() async throws {
        // NotificationModule provides the handler but OrdersModule does not import it.
        let notification = NotificationModule(providers: [scoped(SecondPingHandler.init)], exports: [.type(SecondPingHandler.self)])
        let orders = OrdersModule(extensions: [MessagingExtension().bindEvent(Ping.self, [SecondPingHandler.self])])
        let error = try await startupError([notification, orders])
        let violations = error.issues(of: .boundaryViolation)
        #expect(violations.count == 1, "\(error)")
        let violation = try #require(violations.first)
        #expect(violation.message.contains("SecondPingHandler"))
        #expect(Set(violation.modules) == ["OrdersModule", "NotificationModule"])
    }

    @Test("a handler provided but not exported by an imported module is a boundary violation")
    func handlerNotExported() async throws {
        let notification = NotificationModule(providers: [scoped(EchoHandler.init)])
        let orders = OrdersModule(imports: [notification], extensions: [MessagingExtension().bindRequest(Echo.self, EchoHandler.self)])
        let error = try await startupError([orders])
        let violation = try #require(error.issues(of: .boundaryViolation).first, "\(error)")
        #expect(violation.message.contains("EchoHandler"))
        #expect(Set(violation.modules) == ["OrdersModule", "NotificationModule"])
    }

    @Test("handlers are request-scoped: one instance per scope, shared by dispatches in that scope")
    func handlersAreRequestScoped() async throws {
        let probe = Probe()
        let orders = OrdersModule(extensions: [
            MessagingExtension().bindEvent(Ping.self, FirstPingHandler.init).bindRequest(Echo.self, EchoHandler.init),
        ])
        try await withApp([orders], probe: probe) { app in
            try await inScope(app) { bus in
                try await bus.publish(Ping(n: 1))
                try await bus.publish(Ping(n: 2))
                _ = try await bus.invoke(Echo(text: "a"))
                _ = try await bus.invoke(Echo(text: "b"))
            }
            try await inScope(app) { bus in
                try await bus.publish(Ping(n: 3))
                _ = try await bus.invoke(Echo(text: "c"))
            }
        }
        #expect(probe.log == ["first#1 1", "first#1 2", "echo#1 a", "echo#1 b", "first#2 3", "echo#2 c"])
        #expect(probe.count("FirstPingHandler.init") == 2)
        #expect(probe.count("EchoHandler.init") == 2)
    }

    @Test("IMessageBus, ISender and IPublisher are one instance within a scope and differ across scopes")
    func busInstancesPerScope() async throws {
        let probe = Probe()
        // Each scope hands back its bus, so the first stays alive and the second scope's cannot
        // reuse its address.
        let (first, firstBus, secondBus) = try await withApp([OrdersModule()], probe: probe) { app in
            let (first, firstBus) = try await app.withContainer { container -> ([ObjectIdentifier], MessageBus) in
                let ids = [
                    ObjectIdentifier(try await container.get((any IMessageBus).self) as AnyObject),
                    ObjectIdentifier(try await container.get((any ISender).self) as AnyObject),
                    ObjectIdentifier(try await container.get((any IPublisher).self) as AnyObject),
                    ObjectIdentifier(try await container.get(MessageBus.self)),
                    ObjectIdentifier(try await container.get((any IMessageBus).self) as AnyObject),
                ]
                return (ids, try await container.get(MessageBus.self))
            }
            let secondBus = try await app.withContainer { try await $0.get((any ISender).self) as AnyObject }
            return (first, firstBus, secondBus)
        }
        // `===` on the instances, through their identities.
        #expect(Set(first).count == 1)
        #expect(first.count == 5)
        #expect(first[0] == ObjectIdentifier(firstBus))
        #expect(ObjectIdentifier(secondBus) != ObjectIdentifier(firstBus))
    }

    @Test("MessageContext is injectable into a handler during dispatch, and unavailable outside one")
    func messageContextInjectable() async throws {
        let probe = Probe()
        let orders = OrdersModule(extensions: [MessagingExtension().bindRequest(WhoAmI.self, WhoAmIHandler.init)])
        try await withApp([orders], probe: probe) { app in
            try await app.withContainer { container in
                let ids = try await container.get((any ISender).self).invoke(WhoAmI())
                #expect(ids.count == 4)
                #expect(ids[0] == ids[1])
                #expect(ids[2] == ids[3])
                await #expect(throws: NoActiveMessageContext.self) {
                    _ = try await container.get(MessageContext.self)
                }
            }
        }
    }

    @Test("a transient handler injecting MessageContext gets each dispatch's own context, even within one scope")
    func transientHandlerSeesEachContext() async throws {
        let probe = Probe()
        let orders = OrdersModule(
            providers: [transient(WhoAmIHandler.init)],
            extensions: [MessagingExtension().bindRequest(WhoAmI.self, WhoAmIHandler.self)])
        let (first, second) = try await withApp([orders], probe: probe) { app in
            try await inScope(app) { bus in (try await bus.invoke(WhoAmI()), try await bus.invoke(WhoAmI())) }
        }
        #expect(first[0] == first[1])
        #expect(second[0] == second[1])
        #expect(first[0] != second[0])
    }

    @Test("handlers bound to one event in several modules all fire, in module start-up order then bind order",
          arguments: [false, true])
    func mergedAcrossModules(analyticsFirst: Bool) async throws {
        let probe = Probe()
        let notification = NotificationModule(extensions: [MessagingExtension().bindEvent(Ping.self, [InjectablePingHandler.self])])
        let analytics = AnalyticsModule(extensions: [
            MessagingExtension().bindEvent(Ping.self, SecondPingHandler.init).bindEvent(Ping.self, ThirdPingHandler.init),
        ])
        let modules: [any Module] = analyticsFirst ? [analytics, notification] : [notification, analytics]
        try await withApp(modules, probe: probe) { app in
            try await inScope(app) { bus in try await bus.publish(Ping(n: 9)) }
        }
        let expected = analyticsFirst
            ? ["second 9", "third 9", "injectable#1 9"]
            : ["injectable#1 9", "second 9", "third 9"]
        #expect(probe.log == expected)
    }

    @Test("start-up order follows imports: a module's dependencies bind first whatever the root lists")
    func mergedInDependencyOrder() async throws {
        let probe = Probe()
        let notification = NotificationModule(extensions: [MessagingExtension().bindEvent(Ping.self, [InjectablePingHandler.self])])
        // Analytics imports Notification, so Notification starts first even though the root
        // lists Analytics first.
        let analytics = AnalyticsModule(imports: [notification], extensions: [MessagingExtension().bindEvent(Ping.self, SecondPingHandler.init)])
        let orders = OrdersModule(extensions: [MessagingExtension().bindEvent(Ping.self, ThirdPingHandler.init)])
        let routes = try await withApp([analytics, orders, notification], probe: probe) { app in
            try await app.withContainer { container in
                try await container.get((any IPublisher).self).publish(Ping(n: 4))
                return try await container.get(MessageRegistry.self).routes
            }
        }
        #expect(probe.log == ["injectable#1 4", "second 4", "third 4"])
        let route = try #require(routes.first { $0.isEvent })
        #expect(route.handlers.map(\.handler) == ["InjectablePingHandler", "SecondPingHandler", "ThirdPingHandler"])
        #expect(route.handlers.map(\.module) == ["NotificationModule", "AnalyticsModule", "OrdersModule"])
    }
}
