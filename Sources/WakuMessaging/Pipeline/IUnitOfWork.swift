/// A transaction boundary the ``TransactionalBehavior`` commits or rolls back.
///
/// Provide one per request scope (`scoped((any IUnitOfWork).self, MyUnitOfWork.init)`). The
/// durable stores ship implementations that also write outgoing messages in the same transaction.
public protocol IUnitOfWork: Sendable {
    /// Makes the work done in the unit permanent.
    func commit() async throws
    /// Discards the work done in the unit.
    func rollback() async throws
}
