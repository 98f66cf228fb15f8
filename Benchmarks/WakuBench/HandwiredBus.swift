/// `handwired.invoke` / `handwired.publish` / `handwired.nested`: the bus scenarios without a
/// framework. Per message, build what the request scope would (the scoped `Repository`, the
/// handlers with their two dependencies; the singleton `ClockService` is shared) and call the
/// handlers directly. Batch-timed: an operation is far shorter than a clock read.
enum HandwiredBus {
    static func invoke(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let clock = ClockService()
        return try await Harness.measureBatches(plans.handwiredBus) { n in
            for i in 0 ..< n {
                let handler = PingHandler(clock: clock, repository: Repository())
                let result = try await handler.handle(Ping(value: i))
                sink.keep(handler)
                sink.consume(result.value)
            }
        }
    }

    static func publish(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let clock = ClockService()
        return try await Harness.measureBatches(plans.handwiredBus) { n in
            for i in 0 ..< n {
                let repository = Repository()
                let first = PingedHandlerA(clock: clock, repository: repository)
                let second = PingedHandlerB(clock: clock, repository: repository)
                let event = Pinged(value: i)
                try await first.handle(event)
                try await second.handle(event)
                sink.keep(first)
                sink.keep(second)
            }
        }
    }

    static func nested(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let clock = ClockService()
        return try await Harness.measureBatches(plans.handwiredBus) { n in
            for i in 0 ..< n {
                let outer = HandwiredOuterHandler(inner: PingHandler(clock: clock, repository: Repository()))
                let result = try await outer.handle(Outer(value: i))
                sink.keep(outer)
                sink.consume(result.value)
            }
        }
    }
}

/// `OuterHandler` with its inner handler passed in directly instead of a sender.
final class HandwiredOuterHandler: Sendable {
    private let inner: PingHandler
    init(inner: PingHandler) { self.inner = inner }

    func handle(_ request: Outer) async throws -> PingResult {
        let result = try await inner.handle(Ping(value: request.value))
        return PingResult(value: result.value + 1)
    }
}
