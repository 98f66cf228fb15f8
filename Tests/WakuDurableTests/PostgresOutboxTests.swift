#if Postgres
import Foundation
import PostgresNIO
import Testing
import Waku
import WakuMessaging
import WakuPostgres
import WakuTesting

// MARK: Fixtures of the outbox tests

struct PlaceOrder: IRequest, Codable {
    typealias Response = Int
    let orderId: Int
    let failAfterNested: Bool
}

struct ReserveStock: IRequest, Codable {
    typealias Response = Int
    let orderId: Int
}

/// What the transactional handlers saw, for the assertions.
actor TransactionProbe {
    var transactionIds: [Int] = []
    /// Rows of `stock` visible from outside the transaction right after the nested dispatch.
    var stockVisibleOutsideAfterNested: Int?

    func saw(transaction: Int) { transactionIds.append(transaction) }
    func sawOutside(_ count: Int) { stockVisibleOutsideAfterNested = count }
}

struct OrderRejected: Error {}

/// Saves an order, reserves stock through a nested `invoke`, then publishes to the durable endpoint.
final class PlaceOrderHandler: RequestHandler {
    let unitOfWork: PostgresUnitOfWork
    let sender: any ISender
    let publisher: any IPublisher
    let probe: TransactionProbe

    init(unitOfWork: PostgresUnitOfWork, sender: any ISender, publisher: any IPublisher, probe: TransactionProbe) {
        self.unitOfWork = unitOfWork
        self.sender = sender
        self.publisher = publisher
        self.probe = probe
    }

    func handle(_ request: PlaceOrder) async throws -> Int {
        let table = unitOfWork.store.qualified("orders")
        try await unitOfWork.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) (id) VALUES (\(request.orderId))"))
        await probe.saw(transaction: try await currentTransaction(unitOfWork))
        _ = try await sender.invoke(ReserveStock(orderId: request.orderId))
        // The nested dispatch went through TransactionalBehavior too, but must not have committed.
        let outside = try await unitOfWork.store.scalar("SELECT count(*)::int8 FROM \(unitOfWork.store.qualified("stock"))")
        await probe.sawOutside(outside)
        try await publisher.publish(DurablePing(n: request.orderId))
        if request.failAfterNested { throw OrderRejected() }
        return request.orderId
    }
}

final class ReserveStockHandler: RequestHandler {
    let unitOfWork: PostgresUnitOfWork
    let probe: TransactionProbe

    init(unitOfWork: PostgresUnitOfWork, probe: TransactionProbe) {
        self.unitOfWork = unitOfWork
        self.probe = probe
    }

    func handle(_ request: ReserveStock) async throws -> Int {
        let table = unitOfWork.store.qualified("stock")
        try await unitOfWork.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) (order_id) VALUES (\(request.orderId))"))
        await probe.saw(transaction: try await currentTransaction(unitOfWork))
        return request.orderId
    }
}

func currentTransaction(_ unitOfWork: PostgresUnitOfWork) async throws -> Int {
    let rows = try await unitOfWork.query("SELECT txid_current()::int8")
    return try rows.first?.decode(Int.self) ?? -1
}

extension PostgresDurableTests {
    @Test("outbox: a rolled-back unit of work stores and delivers nothing; a committed one both")
    func outbox() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        let recorder = PingRecorder()
        let endpoint = EndpointConfig.durable("outbox", pollInterval: .milliseconds(20))
        try await withApp(DurableTestModule(store: store, endpoint: endpoint, recorder: recorder)) { app in
            let orders = store.qualified("orders")
            try await store.execute("CREATE TABLE \(orders) (id int PRIMARY KEY)")

            // Rollback: the business row and the message go together.
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await app.withContainer { container in
                    let publisher = try await container.get((any IPublisher).self)
                    let unitOfWork = store.unitOfWork()
                    try await withUnitOfWork(unitOfWork) {
                        try await unitOfWork.query("INSERT INTO \(unescaped: orders) (id) VALUES (1)")
                        try await publisher.publish(DurablePing(n: 1))
                        throw Abort()
                    }
                }
            }
            #expect(try await store.scalar("SELECT count(*)::int8 FROM \(orders)") == 0)
            #expect(try await store.scalar("SELECT count(*)::int8 FROM \(store.qualified("waku_deliveries"))") == 0)

            // Commit: both, and the message is only visible to workers after the commit. The
            // session ends once the worker handled it and marked the row handled.
            _ = try await trackMessages(app) {
                try await app.withContainer { container in
                    let publisher = try await container.get((any IPublisher).self)
                    let unitOfWork = store.unitOfWork()
                    try await withUnitOfWork(unitOfWork) {
                        try await unitOfWork.query("INSERT INTO \(unescaped: orders) (id) VALUES (2)")
                        try await publisher.publish(DurablePing(n: 2))
                        try await Task.sleep(for: .milliseconds(200))
                        #expect(try await store.pendingCount(endpoint: "outbox") == 0, "not visible before commit")
                        #expect(recorder.handled.isEmpty, "not delivered before commit")
                    }
                }
            }
            #expect(try await store.scalar("SELECT count(*)::int8 FROM \(orders)") == 1)
            #expect(recorder.handled == [2])
            #expect(try await store.handledCount(endpoint: "outbox") == 1)
            try await Task.sleep(for: .milliseconds(200))
            #expect(recorder.handled == [2], "the rolled-back message never arrives")
        }
        await store.dropSchemaAndShutdown()
    }

    @Test("outbox: 2,500 messages published in one transaction commit together; a rollback writes none")
    func batchOutbox() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        let recorder = PingRecorder()
        let endpoint = EndpointConfig.durable("batch", concurrency: 8, pollInterval: .milliseconds(20))
        try await withApp(DurableTestModule(store: store, endpoint: endpoint, recorder: recorder)) { app in
            let table = store.qualified("waku_deliveries")
            _ = try await trackMessages(app, timeout: .seconds(60)) {
                try await app.withContainer { container in
                    let publisher = try await container.get((any IPublisher).self)
                    let unitOfWork = store.unitOfWork()
                    try await withUnitOfWork(unitOfWork) {
                        for n in 0 ..< 2_500 { try await publisher.publish(DurablePing(n: n)) }
                        #expect(unitOfWork.isOpen, "messages kept for the commit keep the unit of work open")
                        #expect(try await store.scalar("SELECT count(*)::int8 FROM \(table)") == 0, "nothing written before the commit")
                    }
                }
            }
            #expect(recorder.handled.count == 2_500)
            #expect(Set(recorder.handled) == Set(0 ..< 2_500))

            // A rolled-back batch writes nothing.
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await app.withContainer { container in
                    let publisher = try await container.get((any IPublisher).self)
                    let unitOfWork = store.unitOfWork()
                    try await withUnitOfWork(unitOfWork) {
                        for n in 10_000 ..< 10_100 { try await publisher.publish(DurablePing(n: n)) }
                        throw Abort()
                    }
                }
            }
            #expect(try await store.scalar("SELECT count(*)::int8 FROM \(table)") == 2_500)
        }
        await store.dropSchemaAndShutdown()
    }

    @Test("TransactionalBehavior: a nested dispatch joins the outer transaction, which commits once")
    func transactionalNestedDispatch() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        let recorder = PingRecorder()
        let probe = TransactionProbe()
        var module = DurableTestModule(store: store, endpoint: .durable("placed", pollInterval: .milliseconds(20)), recorder: recorder)
        module.behaviors = [TransactionalBehavior.self]
        module.extraProviders = store.unitOfWorkProviders() + [object(probe)]
        module.extraExtensions = [
            MessagingExtension()
                .bindRequest(PlaceOrder.self, PlaceOrderHandler.init)
                .bindRequest(ReserveStock.self, ReserveStockHandler.init),
        ]
        try await withApp(module) { app in
            try await store.execute("CREATE TABLE \(store.qualified("orders")) (id int PRIMARY KEY)")
            try await store.execute("CREATE TABLE \(store.qualified("stock")) (order_id int)")

            let (id, _) = try await trackMessages(app) {
                try await app.withContainer { container in
                    try await container.get((any ISender).self).invoke(PlaceOrder(orderId: 10, failAfterNested: false))
                }
            }
            #expect(id == 10)
            let transactions = await probe.transactionIds
            #expect(transactions.count == 2)
            #expect(Set(transactions).count == 1, "outer and nested handlers ran in one transaction: \(transactions)")
            #expect(await probe.stockVisibleOutsideAfterNested == 0, "the nested dispatch did not commit early")
            #expect(try await store.scalar("SELECT count(*)::int8 FROM \(store.qualified("stock"))") == 1)
            #expect(recorder.handled == [10])

            // A failure after the nested dispatch rolls back everything, the message included.
            await #expect(throws: OrderRejected.self) {
                try await app.withContainer { container in
                    try await container.get((any ISender).self).invoke(PlaceOrder(orderId: 11, failAfterNested: true))
                }
            }
            #expect(try await store.scalar("SELECT count(*)::int8 FROM \(store.qualified("orders")) WHERE id = 11") == 0)
            #expect(try await store.scalar("SELECT count(*)::int8 FROM \(store.qualified("stock")) WHERE order_id = 11") == 0)
            try await Task.sleep(for: .milliseconds(300))
            #expect(recorder.handled == [10])
            #expect(try await store.scalar("SELECT count(*)::int8 FROM \(store.qualified("waku_deliveries"))") == 1)
        }
        await store.dropSchemaAndShutdown()
    }

    @Test("a unit of work nobody ends is rolled back and gives its connection back")
    func forgottenUnitOfWork() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema(), options: .init(maximumConnections: 2))
        try await store.prepare()
        let table = store.qualified("notes")
        try await store.execute("CREATE TABLE \(table) (id int)")
        for attempt in 0..<5 {
            // Dropped without commit or rollback, five times, with a pool of two connections.
            var unitOfWork: PostgresUnitOfWork? = store.unitOfWork()
            try await unitOfWork?.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) (id) VALUES (\(attempt))"))
            #expect(unitOfWork?.isOpen == true)
            unitOfWork = nil
        }
        #expect(try await eventually(timeout: .seconds(10)) { try await store.scalar("SELECT count(*)::int8 FROM \(table)") == 0 })

        // A statement that fails aborts the transaction: commit reports it instead of pretending.
        let unitOfWork = store.unitOfWork()
        try await unitOfWork.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) (id) VALUES (1)"))
        _ = try? await unitOfWork.query("SELECT 1/0")
        await #expect(throws: PostgresStoreError.self) { try await unitOfWork.commit() }
        #expect(try await store.scalar("SELECT count(*)::int8 FROM \(table)") == 0)
        #expect(!unitOfWork.isOpen)
        await store.dropSchemaAndShutdown()
    }
}
#endif
