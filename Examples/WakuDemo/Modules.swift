import Waku
import WakuMessaging

/// A dynamic module: configured with a value at import time.
struct ConfigModule: Module {
    static func register(environment: Environment) -> DynamicModule {
        DynamicModule(
            ConfigModule(), configuration: environment,
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

struct FulfilmentModule: Module {
    var imports: [any Module] { [InfrastructureModule()] }
    var extensions: [any ModuleExtension] {
        [MessagingExtension().bindEvent(OrderPlaced.self, ReserveShipment.init)]
    }
}

/// The durable store and the request-scoped unit of work (the outbox) over it.
struct PersistenceModule: Module {
    let storage: DemoStorage
    var providers: [Provider] { storage.providers }
    var exports: [Export] { [.type((any IUnitOfWork).self), .type((any OrderStore).self)] }
}

struct AppModule: Module {
    let storage: DemoStorage
    var imports: [any Module] {
        [
            MessagingModule.register(MessagingConfig(
                // TransactionalBehavior commits the unit of work: the order row and the durable
                // OrderPlaced delivery are written in one transaction.
                pipelineBehaviors: [LoggingBehavior.self, TransactionalBehavior.self],
                endpoints: [
                    // Analytics is routed to an in-memory queue: a background worker, its own scope.
                    .localQueue("analytics", concurrency: 2, capacity: 1_000),
                    // Fulfilment is durable: persisted before anything runs.
                    .durable("fulfilment", concurrency: 2),
                ],
                routing: [
                    routeModule(AnalyticsModule.self).eventsTo("analytics"),
                    routeModule(FulfilmentModule.self).eventsTo("fulfilment"),
                ],
                durableStore: storage.store)),
            PersistenceModule(storage: storage),
            InfrastructureModule(),
            OrdersModule(),
            NotificationModule(),
            AnalyticsModule(),
            FulfilmentModule(),
        ]
    }
    var exports: [Export] { [.module(PersistenceModule.self)] }
}
