#if SQLite && Postgres
import Foundation
import Testing
import WakuMessaging
import WakuPostgres
import WakuSQLite

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The real `waku-admin` binary, run as a child process against SQLite and PostgreSQL while a
// `waku-worker --consume` process works on the same store.

// MARK: Launcher

/// One finished run of `waku-admin`: its exit status, and stdout and stderr apart (a `--json`
/// document must be alone on stdout).
struct AdminRun: CustomStringConvertible {
    let arguments: [String]
    /// The exit status, or nil if it had to be killed.
    let status: Int32?
    let stdout: String
    let stderr: String

    var description: String {
        "waku-admin \(arguments.joined(separator: " ")) → \(status.map(String.init) ?? "timeout")\nstdout:\n\(stdout)\nstderr:\n\(stderr)"
    }

    /// The stdout document decoded as `T`.
    func json<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(stdout.utf8))
        } catch {
            Issue.record("stdout is not a \(T.self) document: \(error)\n\(self)")
            throw error
        }
    }
}

enum AdminTool {
    /// Runs `waku-admin` with `arguments` to completion. `WAKU_ADMIN_STORE` is taken from
    /// `environment` only, never inherited.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)) async throws -> AdminRun {
        let binary = try binary()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("waku-admin-tests", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stem = directory.appendingPathComponent(UUID().uuidString).path
        let (outPath, errPath) = (stem + ".out", stem + ".err")
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        var variables = ProcessInfo.processInfo.environment
        variables["WAKU_ADMIN_STORE"] = nil
        variables.merge(environment) { $1 }

        let child = try ChildProcess(binary.path, arguments, outputPath: outPath, errorPath: errPath, environment: variables)
        let status = await child.waitForExit(timeout: timeout)
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return AdminRun(arguments: arguments, status: status, stdout: read(outPath), stderr: read(errPath))
    }

    /// The `waku-admin` built next to this test bundle, as ``WorkerProcess/binary()`` finds
    /// `waku-worker`.
    static func binary() throws -> URL {
        let worker = try? WorkerProcess.binary()
        var candidates: [URL] = []
        if let worker { candidates.append(worker.deletingLastPathComponent().appendingPathComponent("waku-admin")) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("waku-admin"))
            directory = directory.deletingLastPathComponent()
        }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("waku-admin"))
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        if let scratch = try? FileManager.default.contentsOfDirectory(atPath: packageRoot.path) {
            for folder in scratch.sorted() where folder.hasPrefix(".build") {
                candidates.append(packageRoot.appendingPathComponent(folder).appendingPathComponent("debug/waku-admin"))
            }
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) { return found }
        throw AdminBinaryMissing(searched: candidates.map(\.path))
    }
}

struct AdminBinaryMissing: Error, CustomStringConvertible {
    let searched: [String]
    var description: String {
        "waku-admin is not built. Run `swift build --product waku-admin` (with the same --scratch-path as the tests) first. Looked in:\n  "
            + searched.joined(separator: "\n  ")
    }
}

// MARK: JSON documents, as a script reads them

struct AdminStatusDocument: Decodable {
    struct Endpoint: Decodable, Equatable {
        let endpoint: String
        let pending: Int
        let scheduled: Int
        let inFlight: Int
        let handled: Int
        let dead: Int
    }

    struct Lease: Decodable {
        let id: Int64
        let messageId: String
        let endpoint: String
        let messageType: String
        let handler: String
        let groupId: String?
        let owner: String
        let attempts: Int
        let claimedAt: String?
        let leaseUntil: String
        let runningSeconds: Double?
        let leaseLeftSeconds: Double
    }

    let store: String
    let endpoints: [Endpoint]
    let leases: [Lease]
}

struct AdminDeadLetterDocument: Decodable {
    let id: Int64
    let messageId: String
    let endpoint: String
    let messageType: String
    let handler: String
    let groupId: String?
    let attempts: Int
    let lastError: String?
    let createdAt: String
    let firstAttemptAt: String?
    let lastAttemptAt: String?
    let deadLetteredAt: String?
    let payloadBytes: Int
    let payload: String?
    let payloadEncoding: String?
    let headers: [String: String]?
}

struct AdminListDocument: Decodable {
    let store: String
    let count: Int
    let truncated: Bool
    let deadLetters: [AdminDeadLetterDocument]
}

struct AdminShowDocument: Decodable {
    let store: String
    let deadLetter: AdminDeadLetterDocument
}

struct AdminActionDocument: Decodable {
    let store: String
    let command: String
    let dryRun: Bool
    let refused: Bool
    let count: Int
    let ids: [Int64]?
}

struct AdminErrorDocument: Decodable {
    let error: String
    let exitCode: Int
}

// MARK: Scenario

/// A dead letter `waku-worker` can handle once replayed: a `Job` for its handler.
func workerJobDelivery(id: Int) -> StoredDelivery {
    let messageId = UUID()
    return StoredDelivery(
        messageId: messageId, correlationId: messageId, causationId: messageId, messageType: "waku-worker.job.v1",
        handler: "HandleJob", endpoint: "jobs", payload: Data(#"{"id":\#(id),"seq":\#(id)}"#.utf8), headers: ["source": "admin-test"],
        timestamp: Date(), groupId: nil, availableAt: Date())
}

func reportDelivery() -> StoredDelivery {
    let messageId = UUID()
    return StoredDelivery(
        messageId: messageId, correlationId: messageId, causationId: messageId, messageType: "reports.render",
        handler: "RenderReport", endpoint: "reports", payload: Data(#"{"report":"q3"}"#.utf8), headers: [:],
        timestamp: Date(), groupId: nil, availableAt: Date())
}

enum AdminProcessScenario {
    /// The whole operator workflow on `store` (reachable as `spec`): status, list, show, a
    /// replay while a worker runs (the worker handles the row), and a guarded purge.
    static func run(store: some DurableStoreAdministration, spec: String) async throws {
        // Dead letters the worker can handle once replayed, and one of another endpoint.
        let jobA = try await insertDeadLetter(store, workerJobDelivery(id: 1), error: "Simulated outage at the WAREHOUSE")
        let jobB = try await insertDeadLetter(store, workerJobDelivery(id: 2), error: "simulated outage, second job")
        let report = try await insertDeadLetter(store, reportDelivery(), error: "template missing: q3.html")
        // A claim in flight, held by an owner the worker does not know.
        let held = try await insertAndClaim(store, reportDelivery(), owner: "admin-test-owner", lease: .seconds(120))
        let storeArguments = ["--store", spec]

        // status
        let status = try await AdminTool.run(storeArguments + ["status", "--json"])
        try #require(status.status == 0, "\(status)")
        let statusDocument = try status.json(AdminStatusDocument.self)
        #expect(statusDocument.endpoints == [
            .init(endpoint: "jobs", pending: 0, scheduled: 0, inFlight: 0, handled: 0, dead: 2),
            .init(endpoint: "reports", pending: 0, scheduled: 0, inFlight: 1, handled: 0, dead: 1),
        ])
        let lease = try #require(statusDocument.leases.first)
        #expect(statusDocument.leases.count == 1)
        #expect(lease.id == held.id && lease.owner == "admin-test-owner" && lease.endpoint == "reports")
        #expect(lease.messageType == "reports.render" && lease.handler == "RenderReport" && lease.attempts == 1)
        #expect(lease.leaseLeftSeconds > 60 && lease.leaseLeftSeconds <= 121)
        #expect((lease.runningSeconds ?? -1) >= 0 && lease.claimedAt != nil)
        #expect(!statusDocument.store.isEmpty)
        if let password = URLComponents(string: spec)?.password, !password.isEmpty {
            #expect(!status.stdout.contains(password) && !statusDocument.store.contains(password), "the store is named without its password")
        }
        #expect(status.stdout.contains(#""groupId" : null"#), "absent values are written as null, keys are stable")

        let statusText = try await AdminTool.run(storeArguments + ["status", "--endpoint", "reports"])
        #expect(statusText.status == 0, "\(statusText)")
        #expect(statusText.stdout.contains("admin-test-owner") && statusText.stdout.contains("IN FLIGHT"), "\(statusText)")
        #expect(!statusText.stdout.contains("jobs "), "--endpoint shows that endpoint only: \(statusText)")

        // dead list
        let list = try await AdminTool.run(storeArguments + ["dead", "list", "--json"])
        try #require(list.status == 0, "\(list)")
        let listDocument = try list.json(AdminListDocument.self)
        #expect(listDocument.deadLetters.map(\.id) == [jobA, jobB, report] && listDocument.count == 3 && !listDocument.truncated)
        let filtered = try await AdminTool.run(storeArguments + ["dead", "list", "--json", "--endpoint", "jobs", "--error", "warehouse"])
        #expect(try filtered.json(AdminListDocument.self).deadLetters.map(\.id) == [jobA], "\(filtered)")
        let byType = try await AdminTool.run(storeArguments + ["dead", "list", "--json", "--message-type", "reports.render", "--handler", "RenderReport"])
        #expect(try byType.json(AdminListDocument.self).deadLetters.map(\.id) == [report], "\(byType)")
        let old = try await AdminTool.run(storeArguments + ["dead", "list", "--json", "--older-than", "1h"])
        #expect(try old.json(AdminListDocument.self).count == 0, "\(old)")
        let limited = try await AdminTool.run(storeArguments + ["dead", "list", "--json", "--limit", "1"])
        let limitedDocument = try limited.json(AdminListDocument.self)
        #expect(limitedDocument.deadLetters.map(\.id) == [jobA] && limitedDocument.truncated, "\(limited)")
        let listText = try await AdminTool.run(storeArguments + ["dead", "list"])
        #expect(listText.status == 0 && listText.stdout.contains("template missing") && listText.stdout.contains("3 dead letters"), "\(listText)")

        // dead show
        let show = try await AdminTool.run(storeArguments + ["dead", "show", "\(jobA)"])
        #expect(show.status == 0, "\(show)")
        for text in ["waku-worker.job.v1", "HandleJob", "Simulated outage at the WAREHOUSE", #"{"id":1,"seq":1}"#, "first attempt", "last attempt"] {
            #expect(show.stdout.contains(text), "dead show prints \(text): \(show)")
        }
        let showJSON = try await AdminTool.run(storeArguments + ["dead", "show", "\(jobA)", "--json"])
        let shown = try showJSON.json(AdminShowDocument.self).deadLetter
        #expect(shown.id == jobA && shown.attempts == 1 && shown.lastError == "Simulated outage at the WAREHOUSE")
        #expect(shown.payload == #"{"id":1,"seq":1}"# && shown.payloadEncoding == "utf8" && shown.headers == ["source": "admin-test"])
        #expect(shown.firstAttemptAt != nil && shown.lastAttemptAt != nil && shown.deadLetteredAt != nil)
        let missing = try await AdminTool.run(storeArguments + ["dead", "show", "999999"])
        #expect(missing.status == 3, "an unknown id is 'not found': \(missing)")
        #expect(missing.stderr.contains("no dead letter with id 999999"))
        let missingJSON = try await AdminTool.run(storeArguments + ["dead", "show", "999999", "--json"])
        #expect(missingJSON.status == 3)
        #expect(try missingJSON.json(AdminErrorDocument.self).exitCode == 3)
        let live = try await AdminTool.run(storeArguments + ["dead", "show", "\(held.id)"])
        #expect(live.status == 3, "a row in flight is not a dead letter: \(live)")

        // A worker runs while the operator replays.
        let worker = try WorkerProcess("admin-consumer", ["--store", spec, "--consume", "--no-job-log", "--concurrency", "1"])
        defer { if worker.isRunning { worker.crash() } }
        #expect(await worker.waitForOutput("consuming", timeout: .seconds(60)), "\(worker.output)")

        let dryRun = try await AdminTool.run(storeArguments + ["dead", "replay", "\(jobA)", "--dry-run", "--json"])
        #expect(dryRun.status == 0, "\(dryRun)")
        let dryDocument = try dryRun.json(AdminActionDocument.self)
        #expect(dryDocument.command == "dead replay" && dryDocument.dryRun && dryDocument.count == 1 && dryDocument.ids == [jobA])
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await store.deadLetter(id: jobA) != nil, "a dry run changes nothing")
        #expect(try await store.handledCount(endpoint: "jobs") == 0)

        let notFound = try await AdminTool.run(storeArguments + ["dead", "replay", "999999", "\(jobB)"])
        #expect(notFound.status == 3, "\(notFound)")
        #expect(try await store.deadLetter(id: jobB) != nil, "nothing is replayed when an id is unknown")

        let replay = try await AdminTool.run(storeArguments + ["dead", "replay", "\(jobA)"])
        #expect(replay.status == 0 && replay.stdout.contains("Replayed 1 dead letter"), "\(replay)")
        #expect(try await eventually(timeout: .seconds(30)) { try await store.handledCount(endpoint: "jobs") == 1 },
                "the running worker handled the replayed row: \(worker.output)")
        #expect(try await store.deadLetter(id: jobA) == nil)
        #expect(try await store.deadLetters(matching: DeadLetterFilter(endpoint: "jobs")).map(\.id) == [jobB], "the other job stays dead")

        // purge: refused without --yes, listed with --dry-run, done with --yes.
        let refused = try await AdminTool.run(storeArguments + ["dead", "purge", "--endpoint", "reports"])
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.contains("without --yes") && refused.stderr.contains("delete 1 dead letter"), "\(refused)")
        let refusedJSON = try await AdminTool.run(storeArguments + ["dead", "purge", "--endpoint", "reports", "--json"])
        let refusedDocument = try refusedJSON.json(AdminActionDocument.self)
        #expect(refusedJSON.status == 2 && refusedDocument.refused && refusedDocument.count == 1 && refusedDocument.ids == [report])
        let purgeDry = try await AdminTool.run(storeArguments + ["dead", "purge", "--endpoint", "reports", "--dry-run", "--json"])
        let purgeDryDocument = try purgeDry.json(AdminActionDocument.self)
        #expect(purgeDry.status == 0 && purgeDryDocument.dryRun && !purgeDryDocument.refused && purgeDryDocument.count == 1)
        #expect(try await store.deadLetter(id: report) != nil, "refused and dry-run purges delete nothing")

        let purge = try await AdminTool.run(storeArguments + ["dead", "purge", "--endpoint", "reports", "--yes", "--json"])
        let purgeDocument = try purge.json(AdminActionDocument.self)
        #expect(purge.status == 0 && purgeDocument.count == 1 && !purgeDocument.dryRun && purgeDocument.ids == nil, "\(purge)")
        #expect(purge.stdout.contains(#""ids" : null"#))
        #expect(try await store.deadLetter(id: report) == nil)
        #expect(try await store.deadLetters(matching: DeadLetterFilter()).map(\.id) == [jobB], "other endpoints' dead letters stay")
        #expect(try await store.leases(endpoint: "reports").map(\.id) == [held.id], "the row in flight stays")

        // The store from the environment, and usage errors.
        let fromEnvironment = try await AdminTool.run(["status", "--json"], environment: ["WAKU_ADMIN_STORE": spec])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment)")
        #expect(try fromEnvironment.json(AdminStatusDocument.self).endpoints.first { $0.endpoint == "jobs" }?.handled == 1)
        for arguments in [["dead", "purge"], ["dead", "replay", "--all", "--endpoint", "jobs"], ["frobnicate"], ["dead", "show", "x"],
                          ["status", "--limit", "2"], ["dead", "list", "--older-than", "soon"]] {
            let usage = try await AdminTool.run(storeArguments + arguments)
            #expect(usage.status == 2, "a usage error: \(usage)")
        }

        worker.terminate()
        #expect(await worker.waitForExit(timeout: .seconds(30)) == 0, "\(worker.output)")
        #expect(worker.handledCount == 1, "the worker handled exactly the replayed job: \(worker.output)")
    }
}

// MARK: SQLite

@Suite("waku-admin processes on SQLite", .timeLimit(.minutes(5)))
struct SQLiteAdminProcessTests {
    @Test("status, dead list/show, replay while a worker runs, guarded purge, exit codes")
    func operatorWorkflow() async throws {
        let path = temporarySQLitePath()
        let store = SQLiteDurableStore(path: path)
        try await store.prepare()
        do {
            try await AdminProcessScenario.run(store: store, spec: "sqlite:\(path)")
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    @Test("bad stores are usage errors or failures, and never print the password")
    func badStores() async throws {
        let secret = "Sup3r-S3cret-pw"
        // Nothing listens on port 1: the connection is refused at once.
        let refused = try await AdminTool.run(["--store", "postgres://admin:\(secret)@127.0.0.1:1/app", "status"])
        #expect(refused.status == 1, "an unreachable store is an operation failure: \(refused)")
        #expect(refused.stderr.contains("127.0.0.1:1/app"), "the error names the store: \(refused)")
        let refusedJSON = try await AdminTool.run(["--store", "postgres://admin:\(secret)@127.0.0.1:1/app", "--json", "dead", "list"])
        #expect(refusedJSON.status == 1)
        #expect(try refusedJSON.json(AdminErrorDocument.self).exitCode == 1)

        let malformed = try await AdminTool.run(["--store", "postgres://admin:\(secret)@127.0.0.1:99999/app", "status"])
        #expect(malformed.status == 2, "a malformed URL is a usage error: \(malformed)")
        #expect(malformed.stderr.contains("postgres://admin:***@127.0.0.1:99999/app"), "the URL is shown masked: \(malformed)")
        let scheme = try await AdminTool.run(["--store", "mysql://root:\(secret)@db/app", "status"])
        #expect(scheme.status == 2 && scheme.stderr.contains("root:***@db"), "\(scheme)")
        let usage = try await AdminTool.run(["--store", "postgres://admin:\(secret)@127.0.0.1:1/app", "dead", "purge"])
        #expect(usage.status == 2, "\(usage)")
        let environment = try await AdminTool.run(["status"], environment: ["WAKU_ADMIN_STORE": "postgres://admin:\(secret)@127.0.0.1:1/app"])
        #expect(environment.status == 1, "\(environment)")
        for run in [refused, refusedJSON, malformed, scheme, usage, environment] {
            #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret), "the password leaked: \(run)")
        }

        let emptyPath = try await AdminTool.run(["--store", "sqlite:", "status"])
        #expect(emptyPath.status == 2 && emptyPath.stderr.contains("needs the path"), "\(emptyPath)")
        let noStore = try await AdminTool.run(["status"])
        #expect(noStore.status == 2 && noStore.stderr.contains("WAKU_ADMIN_STORE"), "\(noStore)")
        let missingFile = FileManager.default.temporaryDirectory.appendingPathComponent("waku-admin-missing-\(UUID().uuidString).sqlite").path
        let missing = try await AdminTool.run(["--store", "sqlite:\(missingFile)", "status"])
        #expect(missing.status == 1 && missing.stderr.contains("no SQLite file"), "\(missing)")
        #expect(!FileManager.default.fileExists(atPath: missingFile), "a mistyped path does not create an empty store")

        let help = try await AdminTool.run(["--help"])
        #expect(help.status == 0, "\(help)")
        for text in ["exit codes:", "0  success", "1  the operation failed", "2  usage error", "3  not found", "--older-than", "--json"] {
            #expect(help.stdout.contains(text), "--help documents \(text)")
        }
    }
}

// MARK: PostgreSQL

extension PostgresDurableTests {
    /// `waku-admin` against a real PostgreSQL, inside the serialized PostgreSQL suite.
    @Suite("waku-admin processes on PostgreSQL")
    struct PostgresAdminProcessTests {
        @Test("status, dead list/show, replay while a worker runs, guarded purge, exit codes")
        func operatorWorkflow() async throws {
            let schema = TestDatabase.uniqueSchema("admp")
            let store = try TestDatabase.makeStore(schema: schema)
            try await store.prepare()
            do {
                try await AdminProcessScenario.run(store: store, spec: try TestDatabase.url(schema: schema))
            } catch {
                await store.dropSchemaAndShutdown()
                throw error
            }
            await store.dropSchemaAndShutdown()
        }

        @Test("a wrong password fails with exit code 1, names the server, and never prints the password")
        func wrongPassword() async throws {
            let (user, password, host, port, database) = try TestDatabase.parts()
            let wrong = "Wr0ng-\(UUID().uuidString.prefix(8))"
            let run = try await AdminTool.run(["--store", "postgres://\(user):\(wrong)@\(host):\(port)/\(database)", "status"])
            #expect(run.status == 1, "\(run)")
            #expect(run.stderr.contains("\(host):\(port)/\(database)"), "the error names the server: \(run)")
            #expect(!run.stderr.contains(wrong) && !run.stdout.contains(wrong), "the password leaked: \(run)")
            #expect(password.isEmpty || (!run.stderr.contains(password) && !run.stdout.contains(password)))
        }
    }
}
#endif
