#if Postgres
import Foundation
import Logging
import PostgresNIO
import Waku
import WakuMessaging

extension PostgresDurableStore {
    // MARK: Sending

    /// Tells other processes that `deliveries` were committed: the endpoints of those due now.
    /// Rows scheduled for later are left to polling (nobody could be told when they fall due).
    func announce(_ deliveries: [StoredDelivery]) {
        let soon = Date().addingTimeInterval(1)
        var endpoints = Set<String>()
        for delivery in deliveries where delivery.availableAt <= soon { endpoints.insert(delivery.endpoint) }
        announce(endpoints: endpoints)
    }

    /// Tells other processes that deliveries of `endpoints` were committed (`nil`: of any endpoint).
    func announce(endpoints: Set<String>?) {
        if let endpoints, endpoints.isEmpty { return }
        notifier.announcements.announce(endpoints ?? [""]) { [weak self] batch in
            await self?.sendNotifications(batch) ?? false
        }
    }

    /// One `NOTIFY` per endpoint in one statement, outside any transaction of the caller's.
    private func sendNotifications(_ endpoints: [String]) async -> Bool {
        do {
            let channel: String
            if let known = notifier.knownChannel {
                channel = known
            } else {
                channel = try await withConnection("notify") { connection in try await notificationChannel(on: connection) }
            }
            var binds = PostgresBindings(capacity: 2)
            binds.append(channel)
            binds.append(notifier.payloads(endpoints))
            try await execute("notify", PostgresQuery(unsafeSQL: "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", binds: binds))
            _ = notifier.sent(true)
            return true
        } catch {
            let metadata: Logger.Metadata = [WakuLogMetadata.Key.store: "\(displayName)", WakuLogMetadata.Key.error: "\(error)"]
            if notifier.sent(false) {
                logger.warning("Could not notify other processes of new deliveries; they find them at their next poll", metadata: metadata)
            } else {
                logger.debug("Could not notify other processes of new deliveries", metadata: metadata)
            }
            return false
        }
    }

    /// The channel of this store's schema; without a configured schema, of `current_schema()`.
    private func notificationChannel(on connection: PostgresConnection) async throws -> String {
        if let known = notifier.knownChannel { return known }
        let channel: String
        if let schemaName {
            channel = PostgresNotifier.channel(forSchema: schemaName)
        } else {
            let rows = try await connection.guardedRows("SELECT current_schema()", logger: logger)
            guard let schema = try rows.first?.decode(String?.self) else {
                throw ListenerLost(description: "the connection has no current schema (its search_path names no existing schema)")
            }
            channel = PostgresNotifier.channel(forSchema: schema)
        }
        notifier.remember(channel: channel)
        return channel
    }

    // MARK: Listening

    /// Starts the listener unless it runs already; called at every claim, so a process that never
    /// claims never listens.
    func startListening() {
        // Held from the pool, the listener would leave a one-connection pool nothing to work with.
        guard probe != nil || options.maximumConnections >= 2 else { return }
        guard notifier.shouldStartListener() else { return }
        let task = Task.detached { [weak self] in
            guard let self else { return }
            await self.listen()
        }
        if !notifier.setListener(task) { task.cancel() }
    }

    /// Listens until cancelled, reconnecting with backoff.
    private func listen() async {
        var backoff = PostgresNotifier.reconnectBackoff
        var failures = 0
        while !Task.isCancelled {
            var listened = false
            do {
                let (connection, close) = try await openListenerConnection()
                do {
                    let channel = try await notificationChannel(on: connection)
                    try await connection.listen(on: channel) { notifications in
                        listened = true
                        failures = 0
                        notifier.setListening(true)
                        logger.debug("Listening for deliveries committed by other processes", metadata: [
                            WakuLogMetadata.Key.store: "\(displayName)", WakuLogMetadata.Key.channel: "\(channel)",
                        ])
                        // Rows committed while nothing listened (before the first LISTEN, or
                        // during a reconnection) were never announced here: claim once now.
                        DurableWakeups.committed(self)
                        try await watch(notifications, on: connection)
                    }
                } catch {
                    await close()
                    throw error
                }
                await close()
            } catch {
                notifier.setListening(false)
                if Task.isCancelled { break }
                failures += 1
                let metadata: Logger.Metadata = [
                    WakuLogMetadata.Key.store: "\(displayName)",
                    WakuLogMetadata.Key.error: "\(translate(error, "listen"))",
                    WakuLogMetadata.Key.backoff: "\(backoff)",
                ]
                if failures == 1 {
                    logger.warning("Not listening for other processes' deliveries; polling until reconnected", metadata: metadata)
                } else {
                    logger.debug("Listener still disconnected", metadata: metadata)
                }
            }
            notifier.setListening(false)
            if listened { backoff = PostgresNotifier.reconnectBackoff }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, PostgresNotifier.maximumBackoff)
        }
        notifier.setListening(false)
    }

    /// Wakes workers for each notification until the stream fails, the connection stops
    /// answering, or the task is cancelled.
    private func watch(_ notifications: PostgresNotificationSequence, on connection: PostgresConnection) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await notification in notifications {
                    self.received(notification.payload)
                }
                throw ListenerLost(description: "the notification stream ended")
            }
            group.addTask { try await self.checkAlive(connection) }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    private func received(_ payload: String) {
        switch notifier.wake(for: payload) {
        case .none:
            return
        case .endpoint(let endpoint):
            notifier.countReceived()
            DurableWakeups.committed(self, endpoint: endpoint)
        case .all:
            notifier.countReceived()
            DurableWakeups.committed(self)
        }
    }

    /// Runs `SELECT 1` on the listening connection every ``PostgresNotifier/healthInterval``; throws
    /// when it fails or takes longer than ``PostgresNotifier/healthTimeout`` (then closes the
    /// connection, which also ends the notification stream).
    private func checkAlive(_ connection: PostgresConnection) async throws {
        let logger = self.logger
        while true {
            try await Task.sleep(for: PostgresNotifier.healthInterval)
            let answered = await withTaskGroup(of: Bool.self) { group in
                group.addTask { (try? await connection.guardedRows("SELECT 1", logger: logger)) != nil }
                group.addTask {
                    try? await Task.sleep(for: PostgresNotifier.healthTimeout)
                    return false
                }
                let first = await group.next() ?? false
                // A statement on a silent connection never ends until the connection closes.
                if !first { try? await connection.close() }
                group.cancelAll()
                return first
            }
            try Task.checkCancellation()
            if !answered { throw ListenerLost(description: "the listening connection stopped answering") }
        }
    }

    /// A connection for the listener and how to close it: opened directly for a store built from
    /// a URL, else held from the pool (and closed, not reused, when the listener is done with it).
    private func openListenerConnection() async throws -> (PostgresConnection, @Sendable () async -> Void) {
        if let probe {
            let connection = try await connectDirectly(probe)
            return (connection, { try? await connection.close() })
        }
        let store = displayName
        let timeout = options.acquireTimeout
        let held = try await HeldConnection.lease(from: client, timeout: timeout, logger: logger) {
            DurableStoreUnavailable(store: store, reason: "no connection for the listener within \(timeout)", fix: "Check that PostgreSQL is running.")
        }
        return (held.connection, {
            try? await held.connection.close()
            held.release(rollback: false)
        })
    }

    /// Lets the last announcement go out, then stops the listener (bounded: during an outage the
    /// listener may be in the middle of a connection attempt, which ends by itself).
    func stopNotifications() async {
        await notifier.announcements.waitUntilIdle(atMost: .seconds(1))
        guard let listener = notifier.close() else { return }
        listener.cancel()
        _ = await PostgresNotifier.wait(for: listener, atMost: .seconds(2))
    }
}
#endif
