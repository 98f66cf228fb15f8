#if Vapor
import Foundation
import Testing
import Vapor
import VaporTesting
import Waku
import WakuHTTPTestSupport
import WakuTesting
import WakuVapor

struct ProbeFailure: Error {}

/// Replaces every response with a new one, dropping the response that carried the scope.
struct DropResponseMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        _ = try await next.respond(to: request)
        return Response(status: .accepted)
    }
}

/// Kept in a request's storage; notes when the request is released.
final class ReleaseTracker: Sendable {
    let probe: Probe
    init(probe: Probe) { self.probe = probe }
    deinit { probe.bump("request.released") }

    enum Key: StorageKey {
        typealias Value = ReleaseTracker
    }
}

/// Routes that resolve the scoped probe, then succeed, throw, or stream.
func addClosingRoutes(to app: Application) {
    app.get("ok") { req async throws -> String in
        "\(try await req.waku.get(ScopedProbe.self).id)"
    }
    app.get("throws") { req async throws -> String in
        _ = try await req.waku.get(ScopedProbe.self)
        throw ProbeFailure()
    }
    app.get("not-found") { req async throws -> String in
        _ = try await req.waku.get(ScopedProbe.self)
        throw Abort(.notFound)
    }
    // The body resolves from the scope while it is written, after the handler returned.
    app.get("stream") { req async throws -> Response in
        let probe = try await req.waku.get(Probe.self)
        return Response(status: .ok, body: .init(managedAsyncStream: { writer in
            let scoped = try await req.waku.get(ScopedProbe.self)
            try await writer.writeBuffer(ByteBuffer(string: "\(scoped.id)\n"))
            for chunk in 0..<3 {
                await Task.yield()
                try await writer.writeBuffer(ByteBuffer(string: "chunk \(chunk)\n"))
            }
            probe.record("writing, finalized \(probe.finalizedCount(of: scoped.id))")
        }))
    }
    // The same with Vapor's callback stream: the body ends on the event loop, after the handler returned.
    app.get("callback-stream") { req async throws -> Response in
        let probe = try await req.waku.get(Probe.self)
        let scoped = try await req.waku.get(ScopedProbe.self)
        return Response(status: .ok, body: .init(stream: { writer in
            writer.write(.buffer(ByteBuffer(string: "\(scoped.id)\n"))).whenComplete { _ in
                probe.record("ending, finalized \(probe.finalizedCount(of: scoped.id))")
                writer.write(.end, promise: nil)
            }
        }))
    }
    // Notes when Vapor releases the request.
    app.get("tracked") { req async throws -> String in
        req.storage[ReleaseTracker.Key.self] = ReleaseTracker(probe: try await req.waku.get(Probe.self))
        return "\(try await req.waku.get(ScopedProbe.self).id)"
    }
    // Keeps the request, to use its scope after the response was written.
    app.get("keep") { req async throws -> String in
        let probe = try await req.waku.get(Probe.self)
        probe.capture("request", req)
        return "\(try await req.waku.get(ScopedProbe.self).id)"
    }
}

@Suite("The request scope closes when the response is done")
struct ScopeClosingTests {
    @Test("a Finalized cleanup runs exactly once per request, after the response")
    func cleanupOncePerRequest() async throws {
        let probe = Probe()
        try await withWakuApp(probe: probe, routes: addClosingRoutes) { app, _ in
            let tester = try loopback(app)
            var ids: [UUID] = []
            for _ in 0..<3 {
                try await tester.test(.GET, "/ok") { response in
                    #expect(response.status == .ok)
                    ids.append(try #require(UUID(uuidString: response.body.string)))
                }
            }
            #expect(await probe.signal("finalized").reach(3))
            #expect(probe.createdIDs == ids)
            #expect(Set(probe.finalizedIDs) == Set(ids))
            #expect(probe.finalizedIDs.count == 3)
        }
    }

    @Test("the scope closes before the error response when the handler throws: an unknown error (500) and an Abort (404)")
    func cleanupWhenHandlerThrows() async throws {
        let probe = Probe()
        try await withWakuApp(probe: probe, routes: addClosingRoutes) { app, _ in
            let tester = try loopback(app)
            try await tester.test(.GET, "/throws") { response in
                #expect(response.status == .internalServerError)
                // Closed before the error became a response: no waiting needed.
                #expect(probe.finalizedIDs.count == 1)
            }
            try await tester.test(.GET, "/not-found") { response in
                #expect(response.status == .notFound)
            }
            #expect(probe.createdIDs.count == 2)
            #expect(probe.finalizedIDs == probe.createdIDs)
        }
    }

    @Test("an async stream may use the scope while it is written; the scope closes after the last byte, once")
    func asyncStream() async throws {
        let probe = Probe()
        try await withWakuApp(probe: probe, routes: addClosingRoutes) { app, _ in
            let tester = try loopback(app)
            for _ in 0..<2 {
                try await tester.test(.GET, "/stream") { response in
                    #expect(response.status == .ok)
                    let lines = response.body.string.split(separator: "\n")
                    #expect(lines.count == 4)
                    #expect(lines.first.flatMap { UUID(uuidString: String($0)) } != nil)
                }
            }
            #expect(await probe.signal("finalized").reach(2))
            #expect(Set(probe.finalizedIDs) == Set(probe.createdIDs))
            #expect(probe.finalizedIDs.count == 2)
            #expect(probe.log == ["writing, finalized 0", "writing, finalized 0"])
        }
    }

    @Test("a callback stream ends before the scope closes")
    func callbackStream() async throws {
        let probe = Probe()
        try await withWakuApp(probe: probe, routes: addClosingRoutes) { app, _ in
            try await loopback(app).test(.GET, "/callback-stream") { response in
                #expect(response.status == .ok)
                #expect(UUID(uuidString: String(response.body.string.dropLast())) != nil)
            }
            #expect(await probe.signal("finalized").reach(1))
            #expect(probe.finalizedIDs == probe.createdIDs)
            #expect(probe.log == ["ending, finalized 0"])
        }
    }

    @Test("a response replaced by an outer middleware still closes its scope, once")
    func droppedResponse() async throws {
        let probe = Probe()
        try await withWakuApp(probe: probe, middleware: nil, routes: { app in
            app.middleware.use(DropResponseMiddleware())
            app.middleware.use(WakuScopeMiddleware())
            addClosingRoutes(to: app)
        }) { app, _ in
            try await loopback(app).test(.GET, "/ok") { response in
                #expect(response.status == .accepted)
            }
            #expect(await probe.signal("finalized").reach(1))
            #expect(probe.finalizedIDs == probe.createdIDs)
        }
    }

    @Test("once the response is done, req.waku no longer resolves")
    func closedAfterResponse() async throws {
        let probe = Probe()
        try await withWakuApp(probe: probe, routes: addClosingRoutes) { app, _ in
            try await loopback(app).test(.GET, "/keep") { response in
                #expect(response.status == .ok)
            }
            #expect(await probe.signal("finalized").reach(1))
            let request = try #require(probe.captured("request", as: Request.self).first)
            await #expect(throws: (any Error).self) { _ = try await request.waku.get(ScopedProbe.self) }
        }
    }

    @Test("the request is released after its response: the scope, which holds the request, is no cycle")
    func requestReleased() async throws {
        let probe = Probe()
        try await withWakuApp(probe: probe, routes: addClosingRoutes) { app, _ in
            try await loopback(app).test(.GET, "/tracked") { response in
                #expect(response.status == .ok)
            }
            #expect(await probe.signal("finalized").reach(1))
            #expect(await probe.signal("request.released").reach(1, timeout: .seconds(10)))
        }
    }

    @Test("64 concurrent requests over one server: every scope closes exactly once")
    func concurrentRequests() async throws {
        let probe = Probe()
        let count = 64
        try await withWakuApp(probe: probe, routes: addClosingRoutes) { app, _ in
            let port = try await startServer(app)
            let client = LoopbackClient(port: port)
            defer { client.close() }
            let ids = try await withThrowingTaskGroup(of: UUID?.self) { group in
                for index in 0..<count {
                    group.addTask {
                        let reply = try await client.get(index.isMultiple(of: 2) ? "/ok" : "/stream")
                        return UUID(uuidString: String(reply.text.prefix(36)))
                    }
                }
                return try await group.reduce(into: [UUID]()) { ids, id in if let id { ids.append(id) } }
            }
            #expect(ids.count == count)
            #expect(await probe.signal("finalized").reach(count))
            #expect(Set(probe.finalizedIDs) == Set(ids))
            #expect(probe.finalizedIDs.count == count)
            #expect(probe.createdIDs.count == count)
            await app.server.shutdown()
        }
    }
}
#endif
