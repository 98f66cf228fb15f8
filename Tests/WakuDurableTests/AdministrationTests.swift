#if SQLite && Postgres
import Foundation
import Testing
import Waku
import WakuMessaging
import WakuPostgres
import WakuSQLite
import WakuTesting

// The administration API (`DurableStoreAdministration`) on both stores. The scenarios are
// written once against the protocol and run on SQLite and on a real PostgreSQL.

// MARK: Fixture

/// Row ids of the rows ``seedAdministrationRows(_:)`` writes, by what state they are in.
struct AdministrationRows {
    /// orders: handled.
    var handled: Int64 = 0
    /// orders: failed once, retried, failed again, dead (2 attempts).
    var retriedThenDead: Int64 = 0
    /// orders: dead after one attempt, its payload unreadable.
    var deadUndecodable: Int64 = 0
    /// billing: dead after one attempt.
    var billingDead: Int64 = 0
    /// orders: waiting for a retry an hour from now (scheduled).
    var retrying: Int64 = 0
    /// orders: claimed by "worker-a" with a long lease (in flight).
    var ordersInFlight: Int64 = 0
    /// orders: claimed by "worker-gone" whose lease expired (pending again).
    var expiredLease: Int64 = 0
    /// billing: claimed by "worker-b" with a long lease (in flight).
    var billingInFlight: Int64 = 0
    /// The ids of every dead row.
    var dead: [Int64] { [retriedThenDead, deadUndecodable, billingDead] }
    /// The ids of every row that is not dead and that a claim returned.
    var notDead: [Int64] { [handled, retrying, ordersInFlight, expiredLease, billingInFlight] }
}

/// A delivery for the administration tests. Every "orders" row shares one message type and one
/// handler, dead or not, so a filter on them alone would match live rows too.
func administrationDelivery(
    endpoint: String = "orders", availableAt: Date = Date(), payload: String = #"{"n":1}"#, headers: [String: String] = [:]
) -> StoredDelivery {
    let id = UUID()
    let billing = endpoint == "billing"
    return StoredDelivery(
        messageId: id, correlationId: id, causationId: id, messageType: billing ? "billing.charge" : "orders.placed",
        handler: billing ? "Charge" : "Ship", endpoint: endpoint, payload: Data(payload.utf8), headers: headers,
        timestamp: Date(), groupId: nil, availableAt: availableAt)
}

/// Inserts `delivery` and claims it: the claim must return exactly that row.
func insertAndClaim(
    _ store: some DurableStore, _ delivery: StoredDelivery, owner: String = "seeder", token: ClaimToken = ClaimToken(),
    lease: Duration = .seconds(60)
) async throws -> StoredDelivery {
    try await store.insert([delivery])
    let claimed = try await store.claim(endpoint: delivery.endpoint, owner: owner, token: token, limit: 10, lease: lease)
    try #require(claimed.count == 1 && claimed.first?.messageId == delivery.messageId, "the claim took only the new row: \(claimed)")
    return try #require(claimed.first)
}

/// Dead-letters a fresh row of `endpoint` after one attempt.
func insertDeadLetter(_ store: some DurableStore, _ delivery: StoredDelivery, error: String) async throws -> Int64 {
    let token = ClaimToken()
    let row = try await insertAndClaim(store, delivery, token: token)
    #expect(try await store.deadLetter(row.id, token: token, error: error))
    return row.id
}

/// Writes rows in every state: handled, dead (three), scheduled (a retry and a delay), in flight
/// (two owners), an expired lease, and two pending rows.
func seedAdministrationRows(_ store: some DurableStore) async throws -> AdministrationRows {
    var rows = AdministrationRows()
    let handledToken = ClaimToken()
    rows.handled = try await insertAndClaim(store, administrationDelivery(), token: handledToken).id
    #expect(try await store.complete([rows.handled], token: handledToken) == 1)

    // Two attempts, each its own claim, a little apart so their start times differ.
    let retried = administrationDelivery(payload: #"{"n":2}"#, headers: ["tenant": "acme"])
    let firstToken = ClaimToken()
    let first = try await insertAndClaim(store, retried, token: firstToken)
    #expect(try await store.retry(first.id, token: firstToken, availableAt: Date().addingTimeInterval(-1), error: "Timeout talking to the carrier (1)"))
    try await Task.sleep(for: .milliseconds(30))
    let secondToken = ClaimToken()
    let second = try await store.claim(endpoint: "orders", owner: "seeder", token: secondToken, limit: 10, lease: .seconds(60))
    try #require(second.map(\.id) == [first.id] && second.first?.attempts == 2)
    try await Task.sleep(for: .milliseconds(30))
    #expect(try await store.deadLetter(first.id, token: secondToken, error: "TIMEOUT talking to the carrier (2)"))
    rows.retriedThenDead = first.id

    rows.deadUndecodable = try await insertDeadLetter(
        store, administrationDelivery(payload: #"{"n":"three"}"#), error: "payload no longer decodes as orders.placed")
    rows.billingDead = try await insertDeadLetter(
        store, administrationDelivery(endpoint: "billing"), error: "Card declined: 50% off_code rejected")

    let retryToken = ClaimToken()
    rows.retrying = try await insertAndClaim(store, administrationDelivery(), token: retryToken).id
    #expect(try await store.retry(rows.retrying, token: retryToken, availableAt: Date().addingTimeInterval(3_600), error: "carrier busy"))
    try await store.insert([administrationDelivery(availableAt: Date().addingTimeInterval(3_600))])

    rows.ordersInFlight = try await insertAndClaim(store, administrationDelivery(), owner: "worker-a").id
    rows.expiredLease = try await insertAndClaim(store, administrationDelivery(), owner: "worker-gone", lease: .milliseconds(1)).id
    rows.billingInFlight = try await insertAndClaim(store, administrationDelivery(endpoint: "billing"), owner: "worker-b").id
    try await store.insert([administrationDelivery(), administrationDelivery()])
    // Past the expired lease on either clock.
    try await Task.sleep(for: .milliseconds(50))
    return rows
}

/// The statistics of the seeded rows.
let seededStatistics = [
    DurableEndpointStatistics(endpoint: "billing", pending: 0, scheduled: 0, inFlight: 1, handled: 0, dead: 1),
    // Pending: two new rows and the one whose lease expired. Scheduled: a retry and a delay.
    DurableEndpointStatistics(endpoint: "orders", pending: 3, scheduled: 2, inFlight: 1, handled: 1, dead: 2),
]

// MARK: Scenarios

enum AdministrationScenarios {
    static func statisticsAndLeases(_ store: some DurableStoreAdministration) async throws {
        #expect(try await store.statistics().isEmpty, "no rows, no endpoints")
        let rows = try await seedAdministrationRows(store)
        #expect(try await store.statistics() == seededStatistics)

        let leases = try await store.leases(endpoint: nil)
        #expect(leases.map(\.id) == [rows.billingInFlight, rows.ordersInFlight], "live leases only, by endpoint: \(leases)")
        #expect(leases.map(\.owner) == ["worker-b", "worker-a"])
        #expect(!leases.contains { $0.id == rows.expiredLease }, "an expired lease is not in flight")
        let lease = try #require(leases.last)
        #expect(lease.endpoint == "orders" && lease.messageType == "orders.placed" && lease.handler == "Ship")
        #expect(lease.attempts == 1)
        let claimedAt = try #require(lease.claimedAt, "the claim's start is recorded")
        #expect(claimedAt <= lease.readAt && lease.leaseUntil > lease.readAt)
        #expect(lease.remaining > 30 && lease.remaining <= 61, "a 60 s lease taken moments ago: \(lease.remaining)")
        #expect((lease.running ?? -1) >= 0 && (lease.running ?? 99) < 30, "running since the claim: \(String(describing: lease.running))")

        #expect(try await store.leases(endpoint: "billing").map(\.id) == [rows.billingInFlight])
        #expect(try await store.leases(endpoint: "nowhere").isEmpty)
    }

    static func filters(_ store: some DurableStoreAdministration) async throws {
        let rows = try await seedAdministrationRows(store)
        func ids(_ filter: DeadLetterFilter, limit: Int? = nil) async throws -> [Int64] {
            try await store.deadLetters(matching: filter, limit: limit).map(\.id)
        }
        #expect(try await ids(DeadLetterFilter()) == rows.dead, "the empty filter matches every dead letter, oldest first")
        #expect(try await ids(DeadLetterFilter(), limit: 2) == Array(rows.dead.prefix(2)))
        #expect(try await ids(DeadLetterFilter(endpoint: "orders")) == [rows.retriedThenDead, rows.deadUndecodable])
        #expect(try await ids(DeadLetterFilter(messageType: "billing.charge")) == [rows.billingDead])
        #expect(try await ids(DeadLetterFilter(handler: "Ship")) == [rows.retriedThenDead, rows.deadUndecodable])
        #expect(try await ids(DeadLetterFilter(handler: "ship")).isEmpty, "names match exactly")
        #expect(try await ids(DeadLetterFilter(errorContains: "timeout TALKING")) == [rows.retriedThenDead], "error text ignores case")
        #expect(try await ids(DeadLetterFilter(errorContains: "50% off_code")) == [rows.billingDead])
        #expect(try await ids(DeadLetterFilter(errorContains: "50_ off")).isEmpty, "the text is literal: _ is no wildcard")
        #expect(try await ids(DeadLetterFilter(errorContains: "%")) == [rows.billingDead], "the text is literal: % is no wildcard")
        #expect(try await ids(DeadLetterFilter(ids: [rows.billingDead, rows.ordersInFlight, rows.handled, 999_999])) == [rows.billingDead],
                "ids select dead rows only")
        #expect(try await ids(DeadLetterFilter(ids: [])).isEmpty, "an empty id list matches nothing")
        #expect(try await ids(DeadLetterFilter(endpoint: "orders", handler: "Ship", errorContains: "decodes")) == [rows.deadUndecodable],
                "criteria combine with AND")
        #expect(try await ids(DeadLetterFilter(endpoint: "billing", errorContains: "decodes")).isEmpty)

        // Age: dead-letter one more row a while later; only the older ones are "older than" the gap.
        try await Task.sleep(for: .milliseconds(1_200))
        let late = try await insertDeadLetter(store, administrationDelivery(endpoint: "late"), error: "late failure")
        #expect(try await ids(DeadLetterFilter(olderThan: .seconds(1))) == rows.dead)
        #expect(try await ids(DeadLetterFilter(olderThan: .seconds(3_600))).isEmpty)
        #expect(try await ids(DeadLetterFilter(olderThan: .zero)) == rows.dead + [late])
        #expect(try await ids(DeadLetterFilter(endpoint: "late", olderThan: .seconds(1))).isEmpty)
    }

    static func details(_ store: some DurableStoreAdministration) async throws {
        let rows = try await seedAdministrationRows(store)
        let dead = try #require(try await store.deadLetter(id: rows.retriedThenDead))
        #expect(dead.endpoint == "orders" && dead.messageType == "orders.placed" && dead.handler == "Ship")
        #expect(dead.attempts == 2, "each claim counted one attempt")
        #expect(dead.lastError == "TIMEOUT talking to the carrier (2)")
        #expect(dead.payload == Data(#"{"n":2}"#.utf8))
        #expect(dead.headers == ["tenant": "acme"])
        #expect(UUID(uuidString: dead.messageId) != nil)
        let first = try #require(dead.firstAttemptAt)
        let last = try #require(dead.lastAttemptAt)
        let deadAt = try #require(dead.deadLetteredAt)
        #expect(first < last, "the first attempt started before the last: \(first) \(last)")
        #expect(last <= deadAt && dead.createdAt <= first)
        #expect(try await store.deadLetters(matching: DeadLetterFilter(ids: [rows.retriedThenDead])) == [dead])

        #expect(try await store.deadLetter(id: rows.ordersInFlight) == nil, "a live row is not a dead letter")
        #expect(try await store.deadLetter(id: rows.handled) == nil)
        #expect(try await store.deadLetter(id: 999_999) == nil)
    }

    static func replay(_ store: some DurableStoreAdministration) async throws {
        let rows = try await seedAdministrationRows(store)
        let leasesBefore = try await store.leases(endpoint: nil)

        // Only dead rows change, whatever else the filter names.
        #expect(try await store.replayDeadLetters(matching: DeadLetterFilter(ids: rows.notDead)) == 0)
        #expect(try await store.statistics() == seededStatistics)

        // The filter matches live rows of the same type and handler: only the dead ones change.
        #expect(try await store.replayDeadLetters(matching: DeadLetterFilter(endpoint: "orders", handler: "Ship")) == 2)
        var expected = seededStatistics
        expected[1].dead = 0
        expected[1].pending += 2
        #expect(try await store.statistics() == expected)
        #expect(try await store.deadLetter(id: rows.retriedThenDead) == nil)
        #expect(try await store.deadLetters(matching: DeadLetterFilter()).map(\.id) == [rows.billingDead])
        let leasesAfter = try await store.leases(endpoint: nil)
        #expect(leasesAfter.map(\.id) == leasesBefore.map(\.id) && leasesAfter.map(\.owner) == leasesBefore.map(\.owner),
                "leases in flight are untouched")

        // Replayed: due now, unleased, attempts reset (the claim counts 1), last error kept.
        let claimed = try await store.claim(endpoint: "orders", owner: "after-replay", token: ClaimToken(), limit: 50, lease: .seconds(60))
        let replayed = try #require(claimed.first { $0.id == rows.retriedThenDead }, "the replayed row is claimable at once")
        #expect(replayed.attempts == 1)
        #expect(replayed.lastError == "TIMEOUT talking to the carrier (2)")
        #expect(claimed.contains { $0.id == rows.deadUndecodable })
        #expect(!claimed.contains { $0.id == rows.ordersInFlight || $0.id == rows.retrying })

        #expect(try await store.replayDeadLetters(matching: DeadLetterFilter(errorContains: "no such error")) == 0)
        #expect(try await store.replayDeadLetters(matching: DeadLetterFilter()) == 1, "the empty filter replays the rest")
        #expect(try await store.deadLetters(matching: DeadLetterFilter()).isEmpty)
    }

    static func purge(_ store: some DurableStoreAdministration) async throws {
        let rows = try await seedAdministrationRows(store)
        #expect(try await store.purgeDeadLetters(matching: DeadLetterFilter(ids: rows.notDead)) == 0, "only dead rows are deleted")
        #expect(try await store.statistics() == seededStatistics)

        #expect(try await store.purgeDeadLetters(matching: DeadLetterFilter(errorContains: "DECLINED")) == 1)
        var expected = seededStatistics
        expected[0].dead = 0
        #expect(try await store.statistics() == expected)

        // Handler "Ship" matches live rows too; ids mix live and dead rows.
        #expect(try await store.purgeDeadLetters(matching: DeadLetterFilter(ids: [rows.handled, rows.ordersInFlight, rows.deadUndecodable],
                                                                            handler: "Ship")) == 1)
        expected[1].dead = 1
        #expect(try await store.statistics() == expected)
        #expect(try await store.purgeDeadLetters(matching: DeadLetterFilter(olderThan: .seconds(3_600))) == 0)
        #expect(try await store.purgeDeadLetters(matching: DeadLetterFilter()) == 1)
        expected[1].dead = 0
        #expect(try await store.statistics() == expected)
        #expect(try await store.leases(endpoint: nil).map(\.id) == [rows.billingInFlight, rows.ordersInFlight])
        #expect(try await store.handledCount(endpoint: "orders") == 1, "handled rows stay for deduplication")
    }
}

// MARK: SQLite

@Suite("Durable administration on SQLite", .timeLimit(.minutes(2)))
struct SQLiteAdministrationTests {
    private func withStore(_ body: (SQLiteDurableStore) async throws -> Void) async throws {
        let path = temporarySQLitePath()
        let store = SQLiteDurableStore(path: path)
        try await store.prepare()
        do {
            try await body(store)
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    @Test("statistics count every state per endpoint; leases list live claims with owner and timing")
    func statisticsAndLeases() async throws {
        try await withStore { try await AdministrationScenarios.statisticsAndLeases($0) }
    }

    @Test("every dead-letter filter, alone and combined")
    func filters() async throws {
        try await withStore { try await AdministrationScenarios.filters($0) }
    }

    @Test("a dead letter shows attempts, last error, attempt times, payload and headers")
    func details() async throws {
        try await withStore { try await AdministrationScenarios.details($0) }
    }

    @Test("replay by filter changes dead rows only: pending, due now, attempts reset, last error kept")
    func replay() async throws {
        try await withStore { try await AdministrationScenarios.replay($0) }
    }

    @Test("purge by filter deletes dead rows only")
    func purge() async throws {
        try await withStore { try await AdministrationScenarios.purge($0) }
    }

    @Test("a replay wakes the local worker: the replayed delivery runs long before the next poll")
    func replayWakesWorker() async throws {
        let path = temporarySQLitePath()
        let store = SQLiteDurableStore(path: path)
        let recorder = SQLRecorder<SQLJob>()
        let failing = SQLSwitch(true)
        // A poll interval far beyond the test's waits: only a wake-up gets the replay handled.
        let config = MessagingConfig(
            endpoints: [.durable("jobs", concurrency: 1, errorPolicy: .deadLetter, pollInterval: .seconds(600))],
            routing: [route(SQLJob.self).to("jobs")],
            durableStore: store)
        let app = try await WakuFactory(
            SQLDurableRoot(config: config, jobs: SQLJobsModule(recorder: recorder, failing: failing), extra: [])
        ).create()
        try await app.initialize()
        do {
            let (_, session) = try await trackMessages(app, timeout: .seconds(10)) { try await sqlPublish(app, SQLJob(id: 7, group: nil)) }
            #expect(session.deadLettered.count == 1)
            #expect(try await store.deadLetters(matching: DeadLetterFilter()).count == 1)
            let dead = try #require(try await store.deadLetters(matching: DeadLetterFilter(handler: "SQLJobHandler")).first)
            #expect(dead.attempts == 1 && dead.lastError == "job 7 failed on purpose")
            #expect(recorder.count == 0)

            failing.set(false)
            // Replayed by the store, not dispatched: the recorder sees the row's delivery end.
            try await recordMessages(app) { messages in
                let replayed = try await store.replayDeadLetters(matching: DeadLetterFilter(ids: [dead.id]))
                #expect(replayed == 1)
                #expect(await messages.wait(timeout: .seconds(10)) { $0.deliveries(.handled).count == 1 }, "the replayed delivery ran")
            }
            #expect(recorder.all == [SQLJob(id: 7, group: nil)])
            #expect(try await store.handledCount(endpoint: "jobs") == 1)
            #expect(try await store.deadLetters(matching: DeadLetterFilter()).isEmpty)
        } catch {
            try? await app.close()
            await store.shutdown()
            throw error
        }
        try await app.close()
        await store.shutdown()
    }
}

// MARK: PostgreSQL

extension PostgresDurableTests {
    /// The administration API on a real PostgreSQL, inside the serialized PostgreSQL suite (the
    /// outage test stops the server).
    @Suite("Durable administration on PostgreSQL")
    struct PostgresAdministrationTests {
        private func withStore(_ body: (PostgresDurableStore) async throws -> Void) async throws {
            let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema("adm"))
            try await store.prepare()
            do {
                try await body(store)
            } catch {
                await store.dropSchemaAndShutdown()
                throw error
            }
            await store.dropSchemaAndShutdown()
        }

        @Test("statistics count every state per endpoint; leases list live claims with owner and timing")
        func statisticsAndLeases() async throws {
            try await withStore { try await AdministrationScenarios.statisticsAndLeases($0) }
        }

        @Test("every dead-letter filter, alone and combined")
        func filters() async throws {
            try await withStore { try await AdministrationScenarios.filters($0) }
        }

        @Test("a dead letter shows attempts, last error, attempt times, payload and headers")
        func details() async throws {
            try await withStore { try await AdministrationScenarios.details($0) }
        }

        @Test("replay by filter changes dead rows only: pending, due now, attempts reset, last error kept")
        func replay() async throws {
            try await withStore { try await AdministrationScenarios.replay($0) }
        }

        @Test("purge by filter deletes dead rows only")
        func purge() async throws {
            try await withStore { try await AdministrationScenarios.purge($0) }
        }

        @Test("a replay wakes the local worker: the replayed delivery runs long before the next poll")
        func replayWakesWorker() async throws {
            try await withStore { store in
                let recorder = PingRecorder()
                recorder.setFailing(true)
                let endpoint = EndpointConfig.durable("wake", concurrency: 1, errorPolicy: .deadLetter, pollInterval: .seconds(600))
                try await withApp(DurableTestModule(store: store, endpoint: endpoint, recorder: recorder)) { app in
                    let (_, session) = try await trackMessages(app, timeout: .seconds(10)) { try await publish(app, DurablePing(n: 7)) }
                    #expect(session.deadLettered.count == 1)
                    #expect(try await store.deadLetters(matching: DeadLetterFilter(endpoint: "wake")).count == 1)
                    let dead = try #require(try await store.deadLetters(matching: DeadLetterFilter()).first)
                    #expect(dead.attempts == 1 && dead.lastError?.contains("boom: ping 7 failed") == true)

                    recorder.setFailing(false)
                    // Replayed by the store, not dispatched: the recorder sees the row's delivery end.
                    try await recordMessages(app) { messages in
                        let replayed = try await store.replayDeadLetters(matching: DeadLetterFilter(handler: dead.handler))
                        #expect(replayed == 1)
                        #expect(await messages.wait(timeout: .seconds(10)) { $0.deliveries(.handled).count == 1 }, "the replayed delivery ran")
                    }
                    #expect(recorder.handled == [7])
                    #expect(try await store.handledCount(endpoint: "wake") == 1)
                    #expect(try await store.deadLetters(matching: DeadLetterFilter()).isEmpty)
                }
            }
        }
    }
}
#endif
