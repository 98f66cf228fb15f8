import Waku

/// What happens to the deliveries a durable endpoint wrote into the active unit of work's
/// transaction (the outbox) if that unit of work rolls back: they never reach the store, so
/// observers, such as a tracked session waiting for them, hear that they were abandoned.
///
/// Set beside ``ActiveUnitOfWork`` by ``TransactionalBehavior`` and ``withUnitOfWork(_:isolation:_:)``;
/// only their rollback paths call ``rolledBack()``.
final class OutboxLedger: Sendable {
    @TaskLocal static var current: OutboxLedger?

    private let reports = Locked<[@Sendable () -> Void]>([])

    /// Runs `report` if the unit of work rolls back.
    func onRollback(_ report: @escaping @Sendable () -> Void) {
        reports.withLock { $0.append(report) }
    }

    /// The unit of work rolled back (or failed to commit): runs the reports, once.
    func rolledBack() {
        let pending = reports.withLock { reports -> [@Sendable () -> Void] in
            defer { reports = [] }
            return reports
        }
        for report in pending { report() }
    }
}
