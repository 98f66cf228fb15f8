#if Hummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Waku
import WakuHummingbird
import WakuTesting

struct ProbeFailure: Error {}

/// Replaces every response with a new one, dropping the body that would have closed the scope.
struct DropBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        _ = try await next(request, context)
        return Response(status: .accepted)
    }
}

/// Routes that resolve the scoped probe, then succeed, throw, or stream.
func addClosingRoutes(to router: Router<BasicWakuRequestContext>) {
    router.get("/ok") { _, context -> String in
        "\(try await context.get(ScopedProbe.self).id)"
    }
    router.get("/throws") { _, context -> String in
        _ = try await context.get(ScopedProbe.self)
        throw ProbeFailure()
    }
    router.get("/not-found") { _, context -> String in
        _ = try await context.get(ScopedProbe.self)
        throw HTTPError(.notFound)
    }
    // The body resolves from the scope while it is written, after the handler returned.
    router.get("/stream") { _, context -> Response in
        let container = try context.container
        let recorder = try await context.get(Recorder.self)
        return Response(
            status: .ok,
            body: ResponseBody { writer in
                let probe = try await container.get(ScopedProbe.self)
                try await writer.write(ByteBuffer(string: "\(probe.id)\n"))
                for chunk in 0..<3 {
                    try await Task.sleep(for: .milliseconds(5))
                    try await writer.write(ByteBuffer(string: "chunk \(chunk)\n"))
                }
                recorder.event("writing, finalized \(recorder.finalizedCount(of: probe.id))")
                try await writer.finish(nil)
            })
    }
    // The body only reports whether the probe was finalized when the body was written.
    router.get("/report") { _, context -> Response in
        let probe = try await context.get(ScopedProbe.self)
        let recorder = try await context.get(Recorder.self)
        return Response(
            status: .ok,
            body: ResponseBody { writer in
                recorder.event("writing, finalized \(recorder.finalizedCount(of: probe.id))")
                try await writer.write(ByteBuffer(string: "\(probe.id)"))
                try await writer.finish(nil)
            })
    }
}

@Suite("The request scope closes when the response is done")
struct ScopeClosingTests {
    func app(_ waku: WakuApplication, closing: ScopeClosing = .afterResponseBody) -> some ApplicationProtocol {
        let router = Router(context: BasicWakuRequestContext.self)
        router.add(middleware: WakuScopeMiddleware(app: waku, closing: closing))
        addClosingRoutes(to: router)
        return Application(router: router, logger: quietLogger)
    }

    @Test("a Finalized cleanup runs exactly once per request")
    func cleanupOncePerRequest() async throws {
        let recorder = Recorder()
        try await withShop(recorder: recorder) { waku in
            try await app(waku).test(.router) { client in
                for _ in 0..<3 {
                    try await client.execute(uri: "/ok", method: .get) { response in
                        #expect(response.status == .ok)
                        let id = try #require(UUID(uuidString: String(buffer: response.body)))
                        #expect(recorder.finalizedCount(of: id) == 1)
                    }
                }
            }
            #expect(recorder.createdIDs.count == 3)
            #expect(Set(recorder.finalizedIDs) == Set(recorder.createdIDs))
            #expect(recorder.finalizedIDs.count == 3)
        }
    }

    @Test("the scope closes when the handler throws: an unknown error (500) and an HTTPError (404)")
    func cleanupWhenHandlerThrows() async throws {
        let recorder = Recorder()
        try await withShop(recorder: recorder) { waku in
            try await app(waku).test(.router) { client in
                try await client.execute(uri: "/throws", method: .get) { response in
                    #expect(response.status == .internalServerError)
                }
                try await client.execute(uri: "/not-found", method: .get) { response in
                    #expect(response.status == .notFound)
                }
            }
            #expect(recorder.createdIDs.count == 2)
            #expect(recorder.finalizedIDs == recorder.createdIDs)
        }
    }

    @Test("a streamed body may use the scope while it is written; the scope closes after the last byte")
    func streamedBody() async throws {
        let recorder = Recorder()
        try await withShop(recorder: recorder) { waku in
            try await app(waku).test(.router) { client in
                try await client.execute(uri: "/stream", method: .get) { response in
                    #expect(response.status == .ok)
                    let lines = String(buffer: response.body).split(separator: "\n")
                    #expect(lines.count == 4)
                    let id = try #require(lines.first.flatMap { UUID(uuidString: String($0)) })
                    #expect(recorder.finalizedCount(of: id) == 1)
                }
            }
            #expect(recorder.events == ["writing, finalized 0"])
        }
    }

    @Test("over real HTTP the scope also closes after the body, once")
    func streamedBodyLive() async throws {
        let recorder = Recorder()
        try await withShop(recorder: recorder) { waku in
            try await app(waku).test(.live) { client in
                for _ in 0..<2 {
                    try await client.execute(uri: "/stream", method: .get) { response in
                        #expect(response.status == .ok)
                        #expect(String(buffer: response.body).split(separator: "\n").count == 4)
                    }
                }
            }
            #expect(await recorder.wait { $0.finalizedIDs.count == 2 })
            #expect(Set(recorder.finalizedIDs) == Set(recorder.createdIDs))
            #expect(recorder.events == ["writing, finalized 0", "writing, finalized 0"])
        }
    }

    @Test(".whenHandlerReturns closes the scope before the body is written")
    func closeWhenHandlerReturns() async throws {
        let recorder = Recorder()
        try await withShop(recorder: recorder) { waku in
            try await app(waku, closing: .whenHandlerReturns).test(.router) { client in
                try await client.execute(uri: "/report", method: .get) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(uri: "/throws", method: .get) { response in
                    #expect(response.status == .internalServerError)
                }
            }
            #expect(recorder.events == ["writing, finalized 1"])
            #expect(recorder.finalizedIDs == recorder.createdIDs)
            #expect(recorder.createdIDs.count == 2)
        }
    }

    @Test("a response whose body is never written still closes its scope, once")
    func droppedBody() async throws {
        let recorder = Recorder()
        try await withShop(recorder: recorder) { waku in
            let router = Router(context: BasicWakuRequestContext.self)
            router.add(middleware: DropBodyMiddleware())
            router.add(middleware: WakuScopeMiddleware(app: waku))
            addClosingRoutes(to: router)
            let app = Application(router: router, logger: quietLogger)
            try await app.test(.router) { client in
                try await client.execute(uri: "/report", method: .get) { response in
                    #expect(response.status == .accepted)
                }
            }
            #expect(await recorder.wait { $0.finalizedIDs.count == 1 })
            #expect(recorder.finalizedIDs == recorder.createdIDs)
            #expect(recorder.events.isEmpty)
        }
    }
}
#endif
