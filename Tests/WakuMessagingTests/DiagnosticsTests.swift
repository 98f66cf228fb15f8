import Testing
import Waku
import WakuMessaging
import WakuTesting

/// Messaging diagnostics whose fix must compile as written.
@Suite("Messaging diagnostics")
struct MessagingDiagnosticsTests {
    struct Bare: Module {}

    static let busTypes: [any Any.Type] = [
        (any IMessageBus).self, (any ISender).self, (any IPublisher).self, MessageBus.self,
        MessageContext.self, EventDispatcher.self, MessageRegistry.self, MessagingRuntime.self,
    ]

    @Test("resolving a bus type without MessagingModule says to import it")
    func busTypesWithoutTheModule() async throws {
        let app = try await WakuFactory(Bare()).create()
        for type in Self.busTypes {
            let description = try await app.withContainer { container -> String in
                do {
                    _ = try await Self.resolve(type, in: container)
                    return "resolved"
                } catch {
                    return "\(error)"
                }
            }
            #expect(description.contains("Import `MessagingModule.register(MessagingConfig())` (from WakuMessaging) in the root module"), "\(description)")
            #expect(!description.contains(".init)"), "\(description)")
        }
    }

    private static func resolve(_ type: any Any.Type, in container: Container) async throws -> Any {
        func open<T>(_ type: T.Type) async throws -> Any { try await container.get(type) }
        return try await open(type)
    }

    @Test("every type MessagingModule exports is one the hint knows")
    func hintCoversTheExports() {
        let exported = MessagingModule().exports.map(\.description)
        #expect(exported.sorted() == [
            "EventDispatcher", "IMessageBus", "IPublisher", "ISender", "MessageBus", "MessageContext", "MessageRegistry",
            "MessagingRuntime",
        ])
    }

    struct TracingBehavior: IPipelineBehavior {
        func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
            try await next()
        }
    }

    @Test("a behavior neither provided nor Injectable is told how to provide it, not to autowire a binding")
    func unresolvableBehavior() async throws {
        let error = try await startupError([
            OrdersModule(extensions: [MessagingExtension().bindRequest(Refund.self, RefundHandler.self, behaviors: [TracingBehavior.self])]),
        ])
        let issue = try error.issue(of: .messaging, mentioning: "pipeline behavior TracingBehavior")
        #expect(issue.fix == "Add `scoped(TracingBehavior.init)` to OrdersModule's providers, or conform TracingBehavior to Injectable.")
    }

    final class UnprovidedHandler: RequestHandler {
        func handle(_ request: Refund) async throws -> Int { 0 }
    }

    @Test("a handler neither provided nor Injectable is offered the autowired binding, spelled for its message")
    func unresolvableHandler() async throws {
        let error = try await startupError([
            OrdersModule(extensions: [MessagingExtension().bindRequest(Refund.self, UnprovidedHandler.self)]),
        ])
        let issue = try error.issue(of: .messaging, mentioning: "handler UnprovidedHandler")
        #expect(issue.fix.contains("`scoped(UnprovidedHandler.init)`"), "\(issue.fix)")
        #expect(issue.fix.contains("`bindRequest(Refund.self, UnprovidedHandler.init)`"), "\(issue.fix)")
    }

    @Test("a request or handler bound twice in one module names the module once")
    func boundTwiceInOneModule() async throws {
        let requests = try await startupError([
            OrdersModule(extensions: [
                MessagingExtension().bindRequest(Refund.self, RefundHandler.self).bindRequest(Refund.self, OtherRefundHandler.self),
            ]),
        ])
        let request = try requests.issue(of: .messaging, mentioning: "Refund", "bound twice")
        #expect(request.message == "Request Refund is bound twice: both in OrdersModule. A request has exactly one handler.")

        let events = try await startupError([
            OrdersModule(extensions: [
                MessagingExtension().bindEvent(Refunded.self, [RefundedHandler.self]).bindEvent(Refunded.self, [RefundedHandler.self]),
            ]),
        ])
        let event = try events.issue(of: .messaging, mentioning: "RefundedHandler", "bound twice")
        #expect(event.message == "Handler RefundedHandler is bound twice to event Refunded (both in OrdersModule).")
    }
}
