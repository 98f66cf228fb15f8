#if Postgres
import Foundation
import PostgresNIO
import Testing
import Waku
import WakuMessaging
import WakuPostgres
import WakuTesting

/// The PostgreSQL durable store against a real server (`scripts/test` starts one). Serialized:
/// the outage test stops the server. Each test uses its own schema.
@Suite("PostgreSQL durable store", .serialized, .requiresPostgres)
struct PostgresDurableTests {
    // MARK: In-process delivery

    @Test("persist → claim → handle → finalize through a real app")
    func happyPath() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        let recorder = PingRecorder()
        try await withApp(DurableTestModule(store: store, endpoint: .durable("happy"), recorder: recorder)) { app in
            #expect(try await store.schemaVersion() == 2)
            let (_, session) = try await trackMessages(app, timeout: .seconds(30)) {
                try await publish(app, DurablePing(n: 7))
            }
            #expect(session.handlers(of: DurablePing.self).count == 1)
            #expect(recorder.handled == [7])
            #expect(try await store.handledCount(endpoint: "happy") == 1)
            #expect(try await store.pendingCount(endpoint: "happy") == 0)
            let table = store.qualified("waku_deliveries")
            #expect(try await store.scalar("SELECT attempts::int8 FROM \(table)") == 1)
            #expect(try await store.scalar("SELECT count(*)::int8 FROM \(table) WHERE lease_owner IS NULL AND finished_at IS NOT NULL") == 1)
        }
        await store.dropSchemaAndShutdown()
    }

    @Test("the same (message id, handler) is stored once, also within one batch and after it was handled")
    func deduplication() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        try await store.prepare()
        let messageId = UUID()
        func delivery(handler: String) -> StoredDelivery {
            StoredDelivery(
                messageId: messageId, correlationId: messageId, causationId: messageId, messageType: "durable-tests.ping",
                handler: handler, endpoint: "dedup", payload: Data(#"{"n":1}"#.utf8), headers: ["h": "1"], timestamp: Date(),
                groupId: nil, availableAt: Date())
        }
        try await store.insert([delivery(handler: "a")])
        try await store.insert([delivery(handler: "a"), delivery(handler: "a")])
        try await store.insert([delivery(handler: "b")])
        let table = store.qualified("waku_deliveries")
        #expect(try await store.scalar("SELECT count(*)::int8 FROM \(table) WHERE handler = 'a'") == 1)
        #expect(try await store.pendingCount(endpoint: "dedup") == 2, "one row per handler")

        let claimed = try await store.claim(endpoint: "dedup", owner: "me", token: testToken, limit: 10, lease: .seconds(30))
        #expect(claimed.count == 2)
        #expect(claimed.first?.headers == ["h": "1"])
        #expect(claimed.first?.payload == Data(#"{"n":1}"#.utf8))
        try await store.complete(claimed.map(\.id), token: testToken)
        // A redelivery of a handled message is ignored: the handled row is kept for deduplication.
        try await store.insert([delivery(handler: "a")])
        #expect(try await store.pendingCount(endpoint: "dedup") == 0)
        #expect(try await store.handledCount(endpoint: "dedup") == 2)
        #expect(try await store.claim(endpoint: "dedup", owner: "me", token: testToken, limit: 10, lease: .seconds(30)).isEmpty)
        await store.dropSchemaAndShutdown()
    }

    @Test("64 tasks insert concurrently (group commit): every row stored once, duplicates ignored, each task's order kept")
    func concurrentInserts() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        try await store.prepare()
        func row(task: Int) -> StoredDelivery {
            let id = UUID()
            return StoredDelivery(
                messageId: id, correlationId: id, causationId: id, messageType: "durable-tests.ping", handler: "h",
                endpoint: "stress", payload: Data(#"{"n":1}"#.utf8), headers: [:], timestamp: Date(), groupId: "t\(task)",
                availableAt: Date())
        }
        let rows = (0 ..< 64).map { task in (0 ..< 20).map { _ in row(task: task) } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in rows.indices {
                group.addTask {
                    for row in rows[task] { try await store.insert([row]) }
                    try await store.insert([rows[task][0]])
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.pendingCount(endpoint: "stress") == 64 * 20)
        let table = store.qualified("waku_deliveries")
        var inOrder = true
        for task in rows.indices {
            var binds = PostgresBindings()
            binds.append("t\(task)")
            let stored = try await store.query(PostgresQuery(
                unsafeSQL: "SELECT message_id FROM \(table) WHERE group_id = $1 ORDER BY id", binds: binds))
            let order = try stored.map { try $0.decode(UUID.self) }
            if order != rows[task].map(\.messageId) { inOrder = false }
        }
        #expect(inOrder, "a task's rows were stored out of publish order")
        await store.dropSchemaAndShutdown()
    }

    @Test("failures are retried from the store, then dead-lettered; replay handles them")
    func retriesThenDeadLetter() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        let recorder = PingRecorder()
        recorder.setFailing(true)
        let endpoint = EndpointConfig.durable("flaky", errorPolicy: .retry(2, backoff: .milliseconds(50)), pollInterval: .milliseconds(20))
        try await withApp(DurableTestModule(store: store, endpoint: endpoint, recorder: recorder)) { app in
            let (_, session) = try await trackMessages(app) { try await publish(app, DurablePing(n: 1)) }
            #expect(session.deadLettered.count == 1)
            #expect(try await store.deadLetters(endpoint: "flaky").count == 1)
            let letters = try await store.deadLetters(endpoint: "flaky")
            let letter = try #require(letters.first)
            #expect(letter.attempts == 3, "1 attempt + 2 retries, each one persisted")
            #expect(letter.lastError?.contains("boom: ping 1 failed") == true)
            let table = store.qualified("waku_deliveries")
            #expect(try await store.scalar("SELECT status::int8 FROM \(table) WHERE id = \(letter.id)") == 2)
            #expect(recorder.attempts == 3)
            #expect(recorder.handled.isEmpty)

            recorder.setFailing(false)
            // Replayed by the store, not dispatched: the recorder sees the row's delivery end.
            try await recordMessages(app) { messages in
                let replayed = try await store.replayDeadLetters([letter.id])
                #expect(replayed == 1)
                #expect(await messages.wait { $0.deliveries(.handled).count == 1 })
            }
            #expect(try await store.handledCount(endpoint: "flaky") == 1)
            #expect(recorder.handled == [1])
            #expect(try await store.deadLetters(endpoint: "flaky").isEmpty)
            #expect(try await store.scalar("SELECT attempts::int8 FROM \(table) WHERE id = \(letter.id)") == 1, "replay resets attempts")
        }
        await store.dropSchemaAndShutdown()
    }

    @Test("a row naming an unknown type, or with a payload that no longer decodes, is dead-lettered with the reason")
    func poisonRows() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        let recorder = PingRecorder()
        let endpoint = EndpointConfig.durable("poison", pollInterval: .milliseconds(20))
        try await withApp(DurableTestModule(store: store, endpoint: endpoint, recorder: recorder)) { app in
            // A valid delivery first, to learn the stored handler name.
            _ = try await trackMessages(app) { try await publish(app, DurablePing(n: 1)) }
            #expect(try await store.handledCount(endpoint: "poison") == 1)
            let table = store.qualified("waku_deliveries")
            let handler = try #require(try await store.query(PostgresQuery(unsafeSQL: "SELECT handler FROM \(table)"))
                .first?.decode(String.self))

            for (type, handlerName, payload) in [
                ("durable-tests.gone", "Nobody.Handler", #"{"n":2}"#),
                (DurablePing.messageName, handler, "not json at all"),
                (DurablePing.messageName, handler, #"{"m":3}"#),
            ] {
                var binds = PostgresBindings()
                binds.append(type)
                binds.append(handlerName)
                try binds.append(Data(payload.utf8))
                try await store.execute("""
                    INSERT INTO \(table) (message_id, handler, endpoint, message_type, correlation_id, causation_id, payload, "timestamp")
                    VALUES (gen_random_uuid(), $2, 'poison', $1, gen_random_uuid(), gen_random_uuid(), $3, now())
                    """, binds)
            }
            // Rows nobody dispatched, dead-lettered without a delivery to report: only the store knows.
            #expect(try await eventually { try await store.deadLetters(endpoint: "poison").count == 3 })
            let errors = try await store.deadLetters(endpoint: "poison").map { $0.lastError ?? "" }
            #expect(errors[0].contains("unknown message type"), "\(errors[0])")
            #expect(errors[1].contains("no longer decodes"), "\(errors[1])")
            #expect(errors[2].contains("no longer decodes"), "\(errors[2])")

            // The worker is still alive.
            _ = try await trackMessages(app) { try await publish(app, DurablePing(n: 4)) }
            #expect(recorder.handled == [1, 4])
        }
        await store.dropSchemaAndShutdown()
    }

    @Test("a delayed delivery is not handled before it is due")
    func delayedDelivery() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        let recorder = PingRecorder()
        let endpoint = EndpointConfig.durable("later", pollInterval: .milliseconds(20))
        try await withApp(DurableTestModule(store: store, endpoint: endpoint, recorder: recorder)) { app in
            let published = ContinuousClock.now
            _ = try await trackMessages(app, timeout: .seconds(15)) {
                try await publish(app, DurablePing(n: 1), options: DeliveryOptions(delay: .seconds(2)))
                #expect(try await store.pendingCount(endpoint: "later") == 1)
                try await Task.sleep(for: .seconds(1))
                #expect(try await store.pendingCount(endpoint: "later") == 1, "still pending 1 s after publish")
                #expect(recorder.handled.isEmpty)
            }
            #expect(try await store.handledCount(endpoint: "later") == 1)
            let waited = published.duration(to: .now)
            #expect(waited >= .milliseconds(1_900))
            let table = store.qualified("waku_deliveries")
            let delayMs = try await store.scalar(
                "SELECT (extract(epoch FROM finished_at - created_at) * 1000)::int8 FROM \(table)")
            #expect(delayMs >= 1_900, "handled \(delayMs) ms after it was stored")
            print("delayed delivery: handled \(delayMs) ms after it was stored (delay 2000 ms)")
        }
        await store.dropSchemaAndShutdown()
    }

    // MARK: Start-up and diagnostics

    @Test("an unreachable server, a wrong password, an unknown user or a missing database fail start-up with a clear error")
    func badStartup() async throws {
        let parts = try TestDatabase.parts()
        let cases: [(url: String, expected: [String])] = [
            ("postgres://\(parts.user):\(parts.password)@127.0.0.1:1/\(parts.database)",
             ["127.0.0.1:1/\(parts.database)", "could not connect", "running"]),
            ("postgres://\(parts.user):wrong-password@\(parts.host):\(parts.port)/\(parts.database)",
             ["\(parts.host):\(parts.port)/\(parts.database)", "wrong password", "password authentication failed", "password for '\(parts.user)'"]),
            ("postgres://\(parts.user):\(parts.password)@\(parts.host):\(parts.port)/no_such_database",
             ["no_such_database", "does not exist", "CREATE DATABASE"]),
            ("postgres://nobody:\(parts.password)@\(parts.host):\(parts.port)/\(parts.database)",
             ["unknown user", #"password authentication failed for user "nobody""#]),
        ]
        for (url, expected) in cases {
            let store = try PostgresDurableStore(url: url, options: .init(connectTimeout: .seconds(3)))
            let started = ContinuousClock.now
            let error = await #expect(throws: DurableStoreUnavailable.self) {
                try await withApp(DurableTestModule(store: store, endpoint: .durable("never"), recorder: PingRecorder())) { _ in }
            }
            let elapsed = started.duration(to: .now)
            let text = error.map { "\($0)" } ?? ""
            for fragment in expected {
                #expect(text.contains(fragment), "expected '\(fragment)' in: \(text)")
            }
            #expect(!text.contains(parts.password) || parts.password.isEmpty, "the password must not appear in errors")
            print("start-up failed after \(elapsed)")
            print("bad start-up (\(elapsed)): \(text)")
            await store.shutdown()
        }

        #expect(throws: PostgresURLError.self) { try PostgresDurableStore(url: "mysql://x@y/z") }
        #expect(throws: PostgresURLError.self) { try PostgresDurableStore(url: "postgres://u@h/db?sslmod=disable") }
    }

    @Test("a store built from a PostgresClient.Configuration works, and fails start-up clearly when misconfigured")
    func configurationInitializer() async throws {
        let parts = try TestDatabase.parts()
        let schema = TestDatabase.uniqueSchema()
        let good = PostgresDurableStore(
            configuration: .init(host: parts.host, port: parts.port, username: parts.user, password: parts.password,
                                 database: parts.database, tls: .disable),
            options: .init(schema: schema))
        try await good.prepare()
        #expect(try await good.schemaVersion() == 2)
        #expect(try await good.pendingCount(endpoint: nil) == 0)
        await good.dropSchemaAndShutdown()

        let bad = PostgresDurableStore(
            configuration: .init(host: parts.host, port: parts.port, username: parts.user, password: "wrong",
                                 database: parts.database, tls: .disable),
            options: .init(schema: schema, connectTimeout: .seconds(2)))
        let started = ContinuousClock.now
        let error = await #expect(throws: DurableStoreUnavailable.self) { try await bad.prepare() }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("\(parts.host):\(parts.port)/\(parts.database)"), "\(text)")
        #expect(text.contains("password authentication failed"), "the pool's connection error is reported: \(text)")
        print("failed after \(started.duration(to: .now))")
        print("bad start-up through the pool: \(text)")
        await bad.shutdown()
    }

    @Test("the claim stays on the partial index with 100k pending rows")
    func claimIsIndexed() async throws {
        let store = try TestDatabase.makeStore(schema: TestDatabase.uniqueSchema())
        try await store.prepare()
        let table = store.qualified("waku_deliveries")
        // 100k pending rows on the endpoint (a third of them grouped), 100k handled ones, and
        // 20k pending rows of another endpoint.
        try await store.execute("""
            INSERT INTO \(table) (message_id, handler, endpoint, message_type, correlation_id, causation_id, payload, "timestamp",
                group_id, status)
            SELECT gen_random_uuid(), 'h', e, 't', gen_random_uuid(), gen_random_uuid(), '\\x7b7d'::bytea, now(),
                CASE WHEN e = 'deep' AND i % 3 = 0 THEN 'g' || (i % 50) END, s
            FROM generate_series(1, 100000) AS i, (VALUES ('deep', 0::int2), ('deep', 1::int2)) AS v(e, s)
            UNION ALL
            SELECT gen_random_uuid(), 'h', 'other', 't', gen_random_uuid(), gen_random_uuid(), '\\x7b7d'::bytea, now(), NULL, 0
            FROM generate_series(1, 20000)
            """)
        try await store.execute("ANALYZE \(table)")
        #expect(try await store.pendingCount(endpoint: "deep") == 100_000)

        let plan = try await store.explainClaim(endpoint: "deep")
        print("claim plan at 100k pending rows:\n\(plan)")
        #expect(plan.contains("waku_deliveries_pending"), "the claim must walk the pending index:\n\(plan)")
        #expect(!plan.contains("Seq Scan on waku_deliveries d"), "no sequential scan of the queue:\n\(plan)")

        let started = ContinuousClock.now
        let batch = try await store.claim(endpoint: "deep", owner: "bench", token: testToken, limit: 64, lease: .seconds(30))
        let took = started.duration(to: .now)
        #expect(batch.count == 64)
        print("claim of 64 at 100k pending rows took \(took)")
        let analyzed = try await store.explainClaim(endpoint: "deep", analyze: true)
        print("EXPLAIN ANALYZE:\n\(analyzed)")
        #expect(analyzed.contains("waku_deliveries_pending"))
        await store.dropSchemaAndShutdown()
    }
}
#endif
