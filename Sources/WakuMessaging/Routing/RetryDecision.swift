import Foundation

/// What an endpoint does with a routed delivery after a failed attempt: retry it at a time,
/// dead-letter it or discard it. Local queues and durable endpoints both ask here, so the two
/// kinds of endpoint cannot drift apart; a pure function of its inputs, tested on its own.
enum RetryDecision: Sendable, Equatable {
    /// Run it again once `backoff` has passed, that is at `at` (`now` plus `backoff`).
    case retry(after: Duration, at: Date)
    /// Keep it in a dead-letter store for inspection and replay.
    case deadLetter
    /// Drop it.
    case discard

    /// What made the attempt fail.
    enum Failure: Sendable, Equatable {
        /// The handler threw or overran its attempt timeout: the error policy decides.
        case handler
        /// The delivery cannot run at all (no such handler, a payload that no longer decodes):
        /// no retry can help, so it is dead-lettered whatever the policy says.
        case undeliverable
    }

    /// The decision after failed attempt number `attempt` (counting from 1, the failed one
    /// included). `jitter` is a sample in -1...1 that scales the policy's jitter fraction; callers
    /// pass a random one, tests a fixed one.
    static func after(attempt: Int, failure: Failure, policy: ErrorPolicy, now: Date, jitter: Double) -> RetryDecision {
        guard failure == .handler else { return .deadLetter }
        if attempt <= policy.maxRetries {
            let backoff = policy.backoff(beforeRetry: attempt, jitter: jitter)
            return .retry(after: backoff, at: now.addingTimeInterval(backoff.seconds))
        }
        switch policy.whenExhausted {
        case .deadLetter: return .deadLetter
        case .discard: return .discard
        }
    }

    /// A uniform jitter sample for ``after(attempt:failure:policy:now:jitter:)``.
    static func randomJitter() -> Double { Double.random(in: -1 ... 1) }

    /// Whether the delivery runs again.
    var retries: Bool {
        if case .retry = self { return true }
        return false
    }
}
