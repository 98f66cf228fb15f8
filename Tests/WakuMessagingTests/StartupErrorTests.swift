import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// Start-up errors of the messaging layer: each names the modules involved, and several are
// reported together in one StartupError.

struct Refund: IRequest {
    typealias Response = Int
    let amount: Int
}

final class RefundHandler: RequestHandler, Injectable {
    init() {}
    static var factory: Factory<RefundHandler> { Factory(RefundHandler.init) }
    func handle(_ request: Refund) async throws -> Int { request.amount }
}

final class OtherRefundHandler: RequestHandler, Injectable {
    init() {}
    static var factory: Factory<OtherRefundHandler> { Factory(OtherRefundHandler.init) }
    func handle(_ request: Refund) async throws -> Int { -request.amount }
}

struct Refunded: IEvent {}

final class RefundedHandler: EventHandler, Injectable {
    init() {}
    static var factory: Factory<RefundedHandler> { Factory(RefundedHandler.init) }
    func handle(_ event: Refunded) async throws {}
}

final class RefundedAuditor: EventHandler, Injectable {
    init() {}
    static var factory: Factory<RefundedAuditor> { Factory(RefundedAuditor.init) }
    func handle(_ event: Refunded) async throws {}
}

struct AuditBehavior: IPipelineBehavior, Injectable {
    static var factory: Factory<AuditBehavior> { Factory { AuditBehavior() } }
    func handle<M: IMessage, R: Sendable>(_ message: M, context: MessageContext, next: () async throws -> R) async throws -> R {
        try await next()
    }
}

@Suite("Start-up errors")
struct StartupErrorTests {
    @Test("the same request bound in two modules is an error naming both")
    func requestBoundTwice() async throws {
        let error = try await startupError([
            OrdersModule(extensions: [MessagingExtension().bindRequest(Refund.self, RefundHandler.self)]),
            BillingModule(extensions: [MessagingExtension().bindRequest(Refund.self, OtherRefundHandler.self)]),
        ])
        let issue = try error.issue(of: .messaging, mentioning: "Refund", "bound twice")
        #expect(issue.modules == ["OrdersModule", "BillingModule"])
        #expect(issue.message.contains("OrdersModule"))
        #expect(issue.message.contains("BillingModule"))
        #expect(error.issues.count == 1, "\(error)")
    }

    @Test("the same request bound twice in one module is an error")
    func requestBoundTwiceInOneModule() async throws {
        let error = try await startupError([
            OrdersModule(extensions: [
                MessagingExtension().bindRequest(Refund.self, RefundHandler.self).bindRequest(Refund.self, OtherRefundHandler.self),
            ]),
        ])
        let issue = try error.issue(of: .messaging, mentioning: "Refund", "bound twice")
        #expect(issue.modules.allSatisfy { $0 == "OrdersModule" })
    }

    @Test("the same handler bound twice to one event, across two modules, is an error naming both")
    func eventHandlerBoundTwiceAcrossModules() async throws {
        let error = try await startupError([
            NotificationModule(extensions: [MessagingExtension().bindEvent(Refunded.self, [RefundedHandler.self])]),
            AnalyticsModule(extensions: [MessagingExtension().bindEvent(Refunded.self, [RefundedHandler.self])]),
        ])
        let issue = try error.issue(of: .messaging, mentioning: "RefundedHandler", "bound twice")
        #expect(issue.message.contains("Refunded"))
        #expect(issue.modules == ["NotificationModule", "AnalyticsModule"])
        #expect(error.issues.count == 1, "\(error)")
    }

    @Test("the same handler listed twice in one bindEvent is an error")
    func eventHandlerListedTwice() async throws {
        let error = try await startupError([
            NotificationModule(extensions: [MessagingExtension().bindEvent(Refunded.self, [RefundedHandler.self, RefundedHandler.self])]),
        ])
        let issue = try error.issue(of: .messaging, mentioning: "RefundedHandler", "bound twice")
        #expect(issue.modules == ["NotificationModule"])
    }

    @Test("the same behavior listed twice for one request is an error")
    func behaviorTwiceOnRequest() async throws {
        let error = try await startupError([
            BillingModule(extensions: [
                MessagingExtension().bindRequest(Refund.self, RefundHandler.self, behaviors: [AuditBehavior.self, AuditBehavior.self]),
            ]),
        ])
        let issue = try error.issue(of: .messaging, mentioning: "AuditBehavior", "bound twice")
        #expect(issue.message.contains("Refund"))
        #expect(issue.modules == ["BillingModule"])
    }

    @Test("the same behavior bound to one event by two modules is an error naming both")
    func behaviorTwiceOnEventAcrossModules() async throws {
        let error = try await startupError([
            NotificationModule(extensions: [MessagingExtension().bindEvent(Refunded.self, [RefundedHandler.self], behaviors: [AuditBehavior.self])]),
            AnalyticsModule(extensions: [MessagingExtension().bindEvent(Refunded.self, [RefundedAuditor.self], behaviors: [AuditBehavior.self])]),
        ])
        let issue = try error.issue(of: .messaging, mentioning: "AuditBehavior", "bound twice")
        #expect(issue.message.contains("Refunded"))
        #expect(issue.modules == ["NotificationModule", "AnalyticsModule"])
        #expect(error.issues.count == 1, "\(error)")
    }

    @Test("the same global behavior listed twice in MessagingConfig is an error")
    func globalBehaviorTwice() async throws {
        let error = try await startupError([], config: MessagingConfig(pipelineBehaviors: [AuditBehavior.self, AuditBehavior.self]))
        let issue = try error.issue(of: .messaging, mentioning: "AuditBehavior", "bound twice")
        #expect(issue.message.contains("MessagingConfig"))
        #expect(!issue.modules.isEmpty)
    }

    @Test("bindEvent with an empty handler list is an error naming the module and the event")
    func emptyHandlerList() async throws {
        let error = try await startupError([AnalyticsModule(extensions: [MessagingExtension().bindEvent(Refunded.self, [])])])
        let issue = try error.issue(of: .messaging, mentioning: "empty")
        #expect(issue.message.contains("Refunded"))
        #expect(issue.message.contains("AnalyticsModule"))
        #expect(issue.modules == ["AnalyticsModule"])
        #expect(error.issues.count == 1, "\(error)")
    }

    @Test("a MessagingExtension in an app without MessagingModule is an error naming the module")
    func extensionWithoutMessagingModule() async throws {
        let error = try await startupError(
            [OrdersModule(extensions: [MessagingExtension().bindRequest(Refund.self, RefundHandler.self)])], config: nil)
        let issue = try error.issue(of: .messaging, mentioning: "MessagingModule")
        #expect(issue.message.contains("OrdersModule"))
        #expect(issue.modules == ["OrdersModule"])
        #expect(issue.fix.contains("MessagingModule.register"))
    }

    @Test("every messaging problem is reported together in one StartupError")
    func problemsReportedTogether() async throws {
        let error = try await startupError([
            OrdersModule(extensions: [
                MessagingExtension()
                    .bindRequest(Refund.self, RefundHandler.self, behaviors: [AuditBehavior.self, AuditBehavior.self])
                    .bindEvent(Refunded.self, []),
            ]),
            BillingModule(extensions: [
                MessagingExtension()
                    .bindRequest(Refund.self, OtherRefundHandler.self)
                    .bindEvent(Ping.self, [OrphanPingHandler.self]),
            ]),
            NotificationModule(extensions: [MessagingExtension().bindEvent(Refunded.self, [RefundedHandler.self, RefundedHandler.self])]),
        ])
        #expect(try error.issue(of: .messaging, mentioning: "Refund", "bound twice", "BillingModule").modules == ["OrdersModule", "BillingModule"])
        #expect(try error.issue(of: .messaging, mentioning: "AuditBehavior", "bound twice").modules == ["OrdersModule"])
        #expect(try error.issue(of: .messaging, mentioning: "empty").modules == ["OrdersModule"])
        #expect(try error.issue(of: .messaging, mentioning: "OrphanPingHandler").modules == ["BillingModule"])
        #expect(try error.issue(of: .messaging, mentioning: "RefundedHandler", "bound twice").modules == ["NotificationModule"])
        #expect(error.issues(of: .messaging).count == 5, "\(error)")
        // Nothing else: each problem is reported once.
        #expect(error.issues.count == 5, "\(error)")
        let description = error.description
        #expect(description.contains("5 problems"))
        for issue in error.issues { #expect(description.contains(issue.message)) }
    }

    @Test("messaging problems are reported together with the core's own problems")
    func togetherWithCoreProblems() async throws {
        // A boundary violation (core validation) and an unresolvable handler (messaging) at once.
        let notification = NotificationModule(providers: [scoped(EchoHandler.init)])
        let orders = OrdersModule(extensions: [
            MessagingExtension().bindRequest(Echo.self, EchoHandler.self).bindEvent(Ping.self, [OrphanPingHandler.self]),
        ])
        let error = try await startupError([notification, orders])
        #expect(error.issues(of: .boundaryViolation).count == 1, "\(error)")
        #expect(try error.issue(of: .messaging, mentioning: "OrphanPingHandler").modules == ["OrdersModule"])
    }
}
