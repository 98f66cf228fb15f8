import Foundation
import Waku
import WakuMessaging

/// `--loop OPERATION COUNT`: one operation of a scenario, COUNT times, untimed. For profilers and
/// for `scripts/count-calls`, which counts runtime calls (retains, allocations, executor switches)
/// per operation: unlike a time on a shared machine, a count repeats exactly.
enum Loops {
    /// Each operation and what one iteration does.
    static let operations: [(name: String, summary: String)] = [
        ("singleton", "di.singleton: resolve a cached singleton from the app container"),
        ("scoped", "di.scoped: resolve a scoped value already cached in the open request scope"),
        ("scope", "open and close an empty request scope"),
        ("bus", "open a scope, resolve IMessageBus, close it"),
        ("handler", "open a scope, resolve PingHandler (a singleton and a scoped dependency), close it"),
        ("invoke", "bus.invoke.0behaviors: open a scope, resolve IMessageBus, invoke Ping, close it"),
        ("dispatch", "invoke Ping COUNT times on one bus in one open scope: the dispatch alone, its handler cached"),
        ("dispatchPublish", "publish Pinged COUNT times on one bus in one open scope: the dispatch alone, its handlers cached"),
        ("invoke3", "bus.invoke.3behaviors: invoke with three global pass-through behaviors"),
        ("publish", "bus.publish.2handlers: the same, publishing Pinged to two handlers"),
        ("queue", "queue.throughput.c1: publish an event routed to a local queue with 1 worker"),
        ("queue4", "queue.throughput.c4: the same with 4 workers"),
        ("build1000", "di.build.1000x10: create an app of 1,000 modules and 10,000 providers"),
        ("build2000", "di.build.2000x10: the same with 2,000 modules"),
    ]

    static func run(_ operation: String, count: Int) async throws {
        if operation.hasPrefix("build"), let modules = Int(operation.dropFirst("build".count)) {
            let root = BuildGraph.root(BuildTable(moduleCount: modules))
            // Each build is long enough to time on its own; the median goes to stderr, so the
            // growth past the benchmark's largest graph can be checked without its set-up.
            var samples: [Double] = []
            for _ in 0 ..< count {
                let start = MonotonicClock.now()
                _ = try await WakuFactory(root).create()
                samples.append(Double(MonotonicClock.now() &- start))
            }
            let median = Statistics.median(samples)
            FileHandle.standardError.write(Data(
                "create() of \(modules) modules: median \(formatNanos(median)), \(formatNanos(median / Double(modules * BuildGraph.providersPerModule))) per provider\n".utf8))
            return
        }
        if operation.hasPrefix("queue") {
            let concurrency = operation == "queue4" ? 4 : 1
            let app = try await WakuFactory(LocalQueueAppModule.throughput(concurrency: concurrency)).create()
            try await app.run { app in
                let completion = try await app.container.get(Completion.self)
                completion.reset(target: count)
                try await app.withContainer { scope in
                    let bus = try await scope.get((any IMessageBus).self)
                    for i in 0 ..< count { try await bus.publish(Queued(value: i)) }
                }
                await completion.wait()
                guard completion.handled == count else { throw BenchFailure("handled \(completion.handled) of \(count)") }
            }
            return
        }
        let app = try await WakuFactory(BusAppModule(behaviors: operation == "invoke3" ? 3 : 0)).create()
        try await app.run { app in
            switch operation {
            case "singleton":
                let container = app.container
                for _ in 0 ..< count { _ = try await container.get(ClockService.self) }
            case "scoped":
                try await app.withContainer { scope in
                    for _ in 0 ..< count { _ = try await scope.get(Repository.self) }
                }
            case "scope":
                for _ in 0 ..< count { try await app.withContainer { _ in } }
            case "bus":
                for _ in 0 ..< count { try await app.withContainer { _ = try await $0.get((any IMessageBus).self) } }
            case "handler":
                for _ in 0 ..< count { try await app.withContainer { _ = try await $0.get(PingHandler.self) } }
            case "invoke", "invoke3":
                for i in 0 ..< count {
                    let result = try await app.withContainer { try await $0.get((any IMessageBus).self).invoke(Ping(value: i)) }
                    guard result.value == i + 1 else { throw BenchFailure("Ping(\(i)) returned \(result.value)") }
                }
            case "publish":
                for i in 0 ..< count {
                    try await app.withContainer { try await $0.get((any IMessageBus).self).publish(Pinged(value: i)) }
                }
            case "dispatch":
                try await app.withContainer { scope in
                    let bus = try await scope.get((any IMessageBus).self)
                    for i in 0 ..< count {
                        let result = try await bus.invoke(Ping(value: i))
                        guard result.value == i + 1 else { throw BenchFailure("Ping(\(i)) returned \(result.value)") }
                    }
                }
            case "dispatchPublish":
                try await app.withContainer { scope in
                    let bus = try await scope.get((any IMessageBus).self)
                    for i in 0 ..< count { try await bus.publish(Pinged(value: i)) }
                }
            default:
                throw BenchFailure("unknown --loop operation '\(operation)'; one of: \(operations.map(\.name).joined(separator: ", "))")
            }
        }
    }
}
