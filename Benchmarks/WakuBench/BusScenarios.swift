import Waku
import WakuMessaging

/// `bus.*`: one message per fresh request scope, as the Python peer does: open a scope, resolve
/// `IMessageBus`, dispatch, close the scope. Every dispatch is timed on its own (p50/p99).
enum BusScenarios {
    /// `bus.invoke.<n>behaviors`: invoke(Ping) through `behaviors` global pass-through behaviors.
    static func invoke(behaviors: Int) -> (Plans, Sink) async throws -> Measurement {
        { plans, sink in
            let app = try await WakuFactory(BusAppModule(behaviors: behaviors)).create()
            return try await app.run { app in
                try await Harness.measureLatency(plans.bus) { i in
                    let result = try await app.withContainer { scope in
                        try await scope.get((any IMessageBus).self).invoke(Ping(value: i))
                    }
                    guard result.value == i + 1 else { throw BenchFailure("Ping(\(i)) returned \(result.value)") }
                    sink.consume(result.value)
                }
            }
        }
    }

    /// `bus.publish.2handlers`: publish(Pinged) to two handlers.
    static func publish(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let app = try await WakuFactory(BusAppModule(behaviors: 0)).create()
        return try await app.run { app in
            try await Harness.measureLatency(plans.bus) { i in
                try await app.withContainer { scope in
                    try await scope.get((any IMessageBus).self).publish(Pinged(value: i))
                }
                sink.consume(i)
            }
        }
    }

    /// `bus.nested`: invoke(Outer), whose handler invokes Ping through its injected `ISender`.
    static func nested(_ plans: Plans, _ sink: Sink) async throws -> Measurement {
        let app = try await WakuFactory(BusAppModule(behaviors: 0)).create()
        return try await app.run { app in
            try await Harness.measureLatency(plans.nested) { i in
                let result = try await app.withContainer { scope in
                    try await scope.get((any IMessageBus).self).invoke(Outer(value: i))
                }
                guard result.value == i + 2 else { throw BenchFailure("Outer(\(i)) returned \(result.value)") }
                sink.consume(result.value)
            }
        }
    }
}
