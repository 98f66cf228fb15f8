package import Logging
package import Metrics
package import Tracing
package import Waku
import WakuMessaging

/// The logger every module may inject.
struct LoggingModule: Module {
    let logger: Logger
    var providers: [Provider] { [object(logger)] }
    var exports: [Export] { [.type(Logger.self)] }
    var isGlobal: Bool { true }
}

struct OrdersModule: Module {
    var providers: [Provider] { [singleton(OrderRepository.init)] }
    var extensions: [any ModuleExtension] {
        [
            MessagingExtension()
                .bindRequest(PlaceOrder.self, PlaceOrderHandler.init)
                .bindRequest(GetOrder.self, GetOrderHandler.init)
        ]
    }
}

struct NotificationsModule: Module {
    var providers: [Provider] { [singleton(EmailOutbox.init)] }
    var exports: [Export] { [.type(EmailOutbox.self)] }
    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(OrderPlaced.self, SendOrderConfirmation.init)] }
}

struct AnalyticsModule: Module {
    var providers: [Provider] { [singleton(SalesStats.init)] }
    var exports: [Export] { [.type(SalesStats.self)] }
    var extensions: [any ModuleExtension] { [MessagingExtension().bindEvent(OrderPlaced.self, UpdateSalesStats.init)] }
}

/// Logs when the Waku application has closed: the last step of a graceful shutdown.
struct ShutdownLog: OnApplicationShutdown {
    let logger: Logger
    func onAppShutdown(_ app: WakuApplication) async throws {
        logger.info("Waku application closed")
    }
}

/// The orders application. `requestContext` is the HTTP integration's `HTTPRequestContextModule`,
/// which supplies the `HTTPRequestID` that `PlaceOrderHandler` injects.
package struct AppModule: Module {
    let logger: Logger
    let requestContext: any Module
    let metricsFactory: (any MetricsFactory)?
    let tracer: (any Tracer)?

    /// `metricsFactory` and `tracer` go to the message bus; `nil` leaves it to the global
    /// bootstrap, if any.
    package init(logger: Logger, requestContext: any Module, metricsFactory: (any MetricsFactory)? = nil, tracer: (any Tracer)? = nil) {
        self.logger = logger
        self.requestContext = requestContext
        self.metricsFactory = metricsFactory
        self.tracer = tracer
    }

    package var imports: [any Module] {
        [
            LoggingModule(logger: logger),
            requestContext,
            MessagingModule.register(MessagingConfig(
                endpoints: [.localQueue("archive")],
                routing: [routeModule(ArchiveModule.self).eventsTo("archive")],
                logger: logger, metricsFactory: metricsFactory, tracer: tracer)),
            OrdersModule(),
            NotificationsModule(),
            AnalyticsModule(),
            ArchiveModule(),
        ]
    }
    package var extensions: [any ModuleExtension] { [ShutdownLog(logger: logger)] }
}
