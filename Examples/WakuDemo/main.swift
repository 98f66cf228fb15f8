import Foundation
import Waku
import WakuMessaging

// waku-demo: the seed's orders scenario on the embedded defaults.

let app: WakuApplication
let storage: DemoStorage
do {
    storage = try DemoStorage.fromEnvironment()
    app = try await WakuFactory(AppModule(storage: storage)).create()
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
// `waku-demo --describe [mermaid|dot]`: print the application's picture and exit, without running.
if let flag = CommandLine.arguments.firstIndex(of: "--describe") {
    // No argument: Mermaid. An argument that names no format: a usage error.
    let argument = CommandLine.arguments.dropFirst(flag + 1).first
    guard let format = argument.map(DescriptionFormat.init(rawValue:)) ?? .mermaid else {
        FileHandle.standardError.write(Data("usage: waku-demo --describe [mermaid|dot]\n".utf8))
        exit(2)
    }
    print(app.describe(format: format), terminator: "")
    await storage.finish()
    exit(0)
}
print("Durable store: \(storage.description)\n")
print("Modules, dependencies first:")
for module in app.modules {
    print("  \(module.name)\(module.isGlobal ? " (global)" : "")")
}

do {
    try await app.run { app in
        let config = try await app.container.get(AppConfig.self)
        print("\nResolved across a module boundary: AppConfig(\(config.environment), \"\(config.shopName)\") from ConfigModule\n")

        print("invoke(PlaceOrder): the handler saves the order, its domain event fans out to three modules")
        let confirmation = try await app.withContainer { container in
            let sender = try await container.get((any ISender).self)
            return try await sender.invoke(PlaceOrder(customerId: "customer-7", items: ["tea", "cups"]))
        }
        print("\nConfirmation: \(confirmation.orderId), total \(confirmation.total)")
        print("(the routed analytics handler runs on its endpoint's worker, independently of the inline ones;")
        print(" closing the app drains the endpoint, so it always finishes)\n")

        print("publish(OrderShipped): no handlers are bound, so publish is a no-op")
        try await app.withContainer { container in
            try await container.get((any IPublisher).self).publish(OrderShipped(orderId: confirmation.orderId, trackingNumber: "TRK-1"))
        }
        print("  (nothing ran)")

        // The durable fulfilment handler runs on its endpoint's worker, which wakes when the row
        // is committed. Give it a moment before closing, so the summary below shows it handled;
        // on a loaded machine it may still be pending then, and the next run handles it.
        let deadline = ContinuousClock.now + .seconds(5)
        while try await storage.store.pendingCount(endpoint: "fulfilment") > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
    let handled = try await storage.store.handledCount(endpoint: "fulfilment")
    let pending = try await storage.store.pendingCount(endpoint: "fulfilment")
    print("\nDurable endpoint 'fulfilment': \(handled) handled, \(pending) pending (rows survive restarts)")
} catch {
    FileHandle.standardError.write(Data("waku-demo: \(error)\n".utf8))
    await storage.finish()
    exit(1)
}
await storage.finish()
