import Waku
import WakuMessaging

/// A dynamic module: configured with a value at import time.
struct ConfigModule: Module {
    static func register(environment: Environment) -> DynamicModule {
        DynamicModule(
            ConfigModule.self, configuration: environment,
            providers: [object(AppConfig(environment: environment, shopName: "Waku Shop"))],
            exports: [.type(AppConfig.self)])
    }
}

/// Shared infrastructure, exported for the feature modules.
struct InfrastructureModule: Module {
    var imports: [any Module] { [ConfigModule.register(environment: .development)] }
    var providers: [Provider] {
        [
            singleton(Trace.init),
            singleton((any EmailService).self, ConsoleEmailService.init),
            singleton(StatsRepository.init),
        ]
    }
    var exports: [Export] {
        [.type(Trace.self), .type((any EmailService).self), .type(StatsRepository.self), .module(ConfigModule.self)]
    }
}

struct OrdersModule: Module {
    var imports: [any Module] { [InfrastructureModule()] }
    var providers: [Provider] { [singleton(OrderRepository.init)] }
    var extensions: [any ModuleExtension] {
        [
            MessagingExtension()
                .bindRequest(PlaceOrder.self, PlaceOrderHandler.init)
                .bindEvent(OrderPlaced.self, ReserveStock.init)
        ]
    }
}

struct NotificationModule: Module {
    var imports: [any Module] { [InfrastructureModule()] }
    var extensions: [any ModuleExtension] {
        [MessagingExtension().bindEvent(OrderPlaced.self, [SendConfirmationEmail.self])]
    }
}

struct AnalyticsModule: Module {
    var imports: [any Module] { [InfrastructureModule()] }
    var providers: [Provider] { [scoped(UpdateOrderStats.init)] }
    var extensions: [any ModuleExtension] {
        [MessagingExtension().bindEvent(OrderPlaced.self, [UpdateOrderStats.self])]
    }
}

struct AppModule: Module {
    var imports: [any Module] {
        [
            MessagingModule.register(MessagingConfig(
                pipelineBehaviors: [LoggingBehavior.self],
                // Analytics is routed: its handler runs on a background worker, in its own scope.
                endpoints: [.localQueue("analytics", concurrency: 2, capacity: 1_000)],
                routing: [routeModule(AnalyticsModule.self).eventsTo("analytics")])),
            InfrastructureModule(),
            OrdersModule(),
            NotificationModule(),
            AnalyticsModule(),
        ]
    }
}
