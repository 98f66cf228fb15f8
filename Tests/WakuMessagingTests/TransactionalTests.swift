import Foundation
import Testing
import Waku
import WakuMessaging
import WakuTesting

// TransactionalBehavior over a fake, request-scoped IUnitOfWork that records its calls.

struct CommitFailed: Error, Equatable {}
struct RollbackFailed: Error, Equatable {}

/// What the fake unit of work should do, shared by the scopes of one test.
struct UnitOfWorkScript: Sendable {
    var commitFails = false
    var rollbackFails = false
}

/// Records commit and rollback (with its scope serial) and fails as scripted.
final class FakeUnitOfWork: IUnitOfWork {
    let probe: Probe
    let script: UnitOfWorkScript
    let serial: Int
    init(probe: Probe, script: UnitOfWorkScript) {
        self.probe = probe
        self.script = script
        serial = probe.bump("FakeUnitOfWork.init")
    }
    func commit() async throws {
        probe.record("commit#\(serial)")
        if script.commitFails { throw CommitFailed() }
    }
    func rollback() async throws {
        probe.record("rollback#\(serial)")
        if script.rollbackFails { throw RollbackFailed() }
    }
}

struct Deposit: IRequest {
    typealias Response = Int
    let amount: Int
}

struct DepositHandler: RequestHandler {
    let probe: Probe
    func handle(_ request: Deposit) async throws -> Int {
        probe.record("deposit \(request.amount)")
        if request.amount < 0 { throw Boom(code: request.amount) }
        // Zero waits, cancellably: ends with CancellationError when its task is cancelled.
        if request.amount == 0 { try await Task.sleep(for: .seconds(600)) }
        return request.amount + 100
    }
}

/// A transactional request whose handler dispatches another transactional request and an event.
struct Transfer: IRequest {
    typealias Response = Int
    let amount: Int
}

struct TransferHandler: RequestHandler {
    let probe: Probe
    let sender: any ISender
    let publisher: any IPublisher
    func handle(_ request: Transfer) async throws -> Int {
        probe.record("transfer>")
        let balance = try await sender.invoke(Deposit(amount: request.amount))
        try await publisher.publish(Deposited(amount: request.amount))
        probe.record("transfer<")
        return balance
    }
}

struct Deposited: IEvent {
    let amount: Int
}

struct DepositedHandler: EventHandler {
    let probe: Probe
    func handle(_ event: Deposited) async throws { probe.record("deposited \(event.amount)") }
}

private func bankModule(_ script: UnitOfWorkScript, global: Bool) -> OrdersModule {
    let behaviors: [any IPipelineBehavior.Type] = global ? [] : [TransactionalBehavior.self]
    return OrdersModule(
        providers: [scoped((any IUnitOfWork).self, FakeUnitOfWork.init), object(script)],
        exports: [.type((any IUnitOfWork).self)],
        extensions: [
            MessagingExtension()
                .bindRequest(Deposit.self, DepositHandler.init, behaviors: behaviors)
                .bindRequest(Transfer.self, TransferHandler.init, behaviors: behaviors)
                .bindEvent(Deposited.self, DepositedHandler.init, behaviors: behaviors),
        ])
}

/// Runs `body` with a bus from an app whose Deposit/Transfer are transactional, either per
/// request or through the global pipeline.
@discardableResult
private func withBank<R>(
    _ probe: Probe, _ script: UnitOfWorkScript = UnitOfWorkScript(), global: Bool = false,
    _ body: (any IMessageBus) async throws -> R
) async throws -> R {
    let config = MessagingConfig(pipelineBehaviors: global ? [TransactionalBehavior.self] : [])
    return try await withApp([bankModule(script, global: global)], probe: probe, config: config) { app in
        try await inScope(app, body)
    }
}

@Suite("TransactionalBehavior")
struct TransactionalTests {
    @Test("success commits once, after the handler, and returns the result unchanged", arguments: [false, true])
    func successCommits(global: Bool) async throws {
        let probe = Probe()
        let result = try await withBank(probe, global: global) { bus in try await bus.invoke(Deposit(amount: 5)) }
        #expect(result == 105)
        #expect(probe.log == ["deposit 5", "commit#1"])
    }

    @Test("a handler error rolls back, does not commit, and rethrows the original error", arguments: [false, true])
    func handlerErrorRollsBack(global: Bool) async throws {
        let probe = Probe()
        try await withBank(probe, global: global) { bus in
            await #expect(throws: Boom(code: -1)) { _ = try await bus.invoke(Deposit(amount: -1)) }
        }
        #expect(probe.log == ["deposit -1", "rollback#1"])
    }

    @Test("a cancelled dispatch rolls back and does not commit (waku rolls back only for exceptions)", arguments: [false, true])
    func cancellationRollsBack(global: Bool) async throws {
        let probe = Probe()
        try await withBank(probe, global: global) { bus in
            let dispatch = Task {
                // Cancelled before it starts: the handler's first suspension throws CancellationError.
                withUnsafeCurrentTask { $0?.cancel() }
                return try await bus.invoke(Deposit(amount: 0))
            }
            await #expect(throws: CancellationError.self) { _ = try await dispatch.value }
        }
        #expect(probe.log == ["deposit 0", "rollback#1"])
    }

    @Test("a failing commit rolls back and rethrows the commit error")
    func commitFailureRollsBack() async throws {
        let probe = Probe()
        try await withBank(probe, UnitOfWorkScript(commitFails: true)) { bus in
            await #expect(throws: CommitFailed()) { _ = try await bus.invoke(Deposit(amount: 5)) }
        }
        #expect(probe.log == ["deposit 5", "commit#1", "rollback#1"])
    }

    @Test("a failing rollback after a handler error still lets the handler error propagate")
    func rollbackFailureKeepsHandlerError() async throws {
        let probe = Probe()
        try await withBank(probe, UnitOfWorkScript(rollbackFails: true)) { bus in
            await #expect(throws: Boom(code: -4)) { _ = try await bus.invoke(Deposit(amount: -4)) }
            // The bus keeps working afterwards.
            let balance = try await bus.invoke(Deposit(amount: 1))
            #expect(balance == 101)
        }
        #expect(probe.log == ["deposit -4", "rollback#1", "deposit 1", "commit#1"])
    }

    @Test("a failing rollback after a failing commit still lets the commit error propagate")
    func rollbackFailureKeepsCommitError() async throws {
        let probe = Probe()
        try await withBank(probe, UnitOfWorkScript(commitFails: true, rollbackFails: true)) { bus in
            await #expect(throws: CommitFailed()) { _ = try await bus.invoke(Deposit(amount: 2)) }
        }
        #expect(probe.log == ["deposit 2", "commit#1", "rollback#1"])
    }

    @Test("dispatches nested in a transactional handler join its transaction: one commit, after the outer handler",
          arguments: [false, true])
    func nestedJoinsOuter(global: Bool) async throws {
        let probe = Probe()
        let result = try await withBank(probe, global: global) { bus in try await bus.invoke(Transfer(amount: 7)) }
        #expect(result == 107)
        #expect(probe.log == ["transfer>", "deposit 7", "deposited 7", "transfer<", "commit#1"])
    }

    @Test("a nested failure rolls back once, at the outer level, and reaches the caller", arguments: [false, true])
    func nestedFailureRollsBackOnce(global: Bool) async throws {
        let probe = Probe()
        try await withBank(probe, global: global) { bus in
            await #expect(throws: Boom(code: -9)) { _ = try await bus.invoke(Transfer(amount: -9)) }
        }
        #expect(probe.log == ["transfer>", "deposit -9", "rollback#1"])
    }

    @Test("TransactionalBehavior can be bound by several modules")
    func boundBySeveralModules() async throws {
        let probe = Probe()
        let orders = OrdersModule(extensions: [
            MessagingExtension().bindRequest(Deposit.self, DepositHandler.init, behaviors: [TransactionalBehavior.self]),
        ])
        let billing = BillingModule(extensions: [
            MessagingExtension()
                .bindRequest(Transfer.self, TransferHandler.init, behaviors: [TransactionalBehavior.self])
                .bindEvent(Deposited.self, DepositedHandler.init, behaviors: [TransactionalBehavior.self]),
        ])
        let result = try await withApp(
            [orders, billing], probe: probe,
            providers: [scoped((any IUnitOfWork).self, FakeUnitOfWork.init), object(UnitOfWorkScript())],
            exports: [.type((any IUnitOfWork).self)]
        ) { app in
            try await inScope(app) { bus in
                let first = try await bus.invoke(Deposit(amount: 1))
                try await bus.publish(Deposited(amount: 2))
                return first + (try await bus.invoke(Transfer(amount: 3)))
            }
        }
        #expect(result == 101 + 103)
        #expect(probe.log == [
            "deposit 1", "commit#1",
            "deposited 2", "commit#1",
            "transfer>", "deposit 3", "deposited 3", "transfer<", "commit#1",
        ])
    }

    @Test("sequential top-level dispatches in one scope each commit")
    func sequentialDispatchesEachCommit() async throws {
        let probe = Probe()
        try await withBank(probe) { bus in
            _ = try await bus.invoke(Deposit(amount: 1))
            _ = try await bus.invoke(Deposit(amount: 2))
        }
        #expect(probe.log == ["deposit 1", "commit#1", "deposit 2", "commit#1"])
    }
}
