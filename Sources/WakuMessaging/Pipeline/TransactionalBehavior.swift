public import Logging
public import Waku

/// Commits the request scope's ``IUnitOfWork`` after a successful dispatch and rolls it back on
/// failure.
///
/// - After success it commits and returns the result unchanged.
/// - On a handler error it rolls back and rethrows that original error.
/// - If the commit fails it rolls back, then rethrows the commit error.
/// - If the rollback fails, that failure is logged and the primary error still propagates.
/// - Cancellation is a failure like any other: a handler that ends with `CancellationError` is
///   rolled back. (Python waku rolls back only for `Exception`s, so a cancelled handler skips
///   both commit and rollback there; an unfinished handler's writes must never commit, and
///   rolling back at once returns the transaction's connection and locks.)
///
/// A dispatch nested inside a transactional one joins the outer transaction: only the outermost
/// behavior commits or rolls back.
public struct TransactionalBehavior: IPipelineBehavior, Injectable {
    let unitOfWork: any IUnitOfWork
    let logger: Logger

    /// A behavior that commits or rolls back `unitOfWork`, logging failed rollbacks to `logger`.
    public init(unitOfWork: any IUnitOfWork, logger: Logger = Logger(label: "waku.messaging.transactional")) {
        self.unitOfWork = unitOfWork
        self.logger = logger
    }

    /// Builds the behavior from the request scope's `any IUnitOfWork`.
    public static var factory: Factory<TransactionalBehavior> {
        Factory { (unitOfWork: any IUnitOfWork) in TransactionalBehavior(unitOfWork: unitOfWork) }
    }

    @TaskLocal static var isActive = false

    /// Runs `next` with the unit of work active, then commits it, or rolls it back if anything
    /// threw.
    public func handle<M: IMessage, R: Sendable>(
        _ message: M, context: MessageContext, next: () async throws -> R
    ) async throws -> R {
        if Self.isActive { return try await next() }
        return try await Self.$isActive.withValue(true) {
            let result: R
            let ledger = OutboxLedger()
            do {
                // Durable endpoints of the same store write published messages through it (outbox).
                result = try await ActiveUnitOfWork.$current.withValue(unitOfWork) {
                    try await OutboxLedger.$current.withValue(ledger) { try await next() }
                }
            } catch {
                await rollback(after: error, context: context)
                ledger.rolledBack()
                throw error
            }
            do {
                try await unitOfWork.commit()
            } catch {
                await rollback(after: error, context: context)
                ledger.rolledBack()
                throw error
            }
            return result
        }
    }

    private func rollback(after error: any Error, context: MessageContext) async {
        do {
            try await unitOfWork.rollback()
        } catch let rollbackError {
            logger.error(
                "Rollback failed; the original error still propagates",
                metadata: [
                    WakuLogMetadata.Key.messageID: "\(context.messageId)", WakuLogMetadata.Key.messageType: "\(context.messageType)",
                    WakuLogMetadata.Key.error: "\(error)", WakuLogMetadata.Key.rollbackError: "\(rollbackError)",
                ])
        }
    }
}
