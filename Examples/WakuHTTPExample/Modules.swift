#if Hummingbird
import Logging
import Waku
import WakuHummingbird
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

struct AppModule: Module {
    let logger: Logger
    var observability: Observability? = nil
    var imports: [any Module] {
        [
            LoggingModule(logger: logger),
            HTTPRequestContextModule(),
            MessagingModule.register(MessagingConfig(
                endpoints: [.localQueue("archive")],
                routing: [routeModule(ArchiveModule.self).eventsTo("archive")],
                logger: logger, metricsFactory: observability?.metrics, tracer: observability?.tracer)),
            OrdersModule(),
            NotificationsModule(),
            AnalyticsModule(),
            ArchiveModule(),
        ]
    }
    var extensions: [any ModuleExtension] { [ShutdownLog(logger: logger)] }
}
#endif
