import Foundation
import Testing
@testable import WakuMessaging

// The one retry decision both endpoint kinds take after a failed attempt: every branch of it,
// with the jitter sample fixed so each row has one exact answer.

@Suite("Retry decision")
struct RetryDecisionTests {
    /// One row: the inputs, and the decision (a retry given as its backoff in milliseconds).
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let attempt: Int
        let failure: RetryDecision.Failure
        let policy: ErrorPolicy
        let jitter: Double
        let expected: Expected
        var testDescription: String { name }
    }

    enum Expected: Sendable, Equatable {
        case retry(milliseconds: Int64)
        case deadLetter
        case discard
    }

    /// Three retries from 100 ms, doubling up to 1 s, ±20 % jitter, then `exhausted`.
    static func policy(_ exhausted: ErrorPolicy.Exhausted = .deadLetter, maxRetries: Int = 3) -> ErrorPolicy {
        ErrorPolicy(maxRetries: maxRetries, initialBackoff: .milliseconds(100), maxBackoff: .seconds(1), multiplier: 2, jitter: 0.2,
                    whenExhausted: exhausted)
    }

    static let rows: [Row] = [
        Row(name: "first failure retries after the initial backoff", attempt: 1, failure: .handler, policy: policy(), jitter: 0,
            expected: .retry(milliseconds: 100)),
        Row(name: "each retry multiplies the backoff", attempt: 2, failure: .handler, policy: policy(), jitter: 0,
            expected: .retry(milliseconds: 200)),
        Row(name: "the last retry is still a retry", attempt: 3, failure: .handler, policy: policy(), jitter: 0,
            expected: .retry(milliseconds: 400)),
        Row(name: "the backoff stops growing at maxBackoff", attempt: 6, failure: .handler, policy: policy(maxRetries: 10), jitter: 0,
            expected: .retry(milliseconds: 1_000)),
        Row(name: "the highest jitter sample lengthens the wait by the jitter fraction", attempt: 1, failure: .handler,
            policy: policy(), jitter: 1, expected: .retry(milliseconds: 120)),
        Row(name: "the lowest jitter sample shortens it by the same fraction", attempt: 2, failure: .handler, policy: policy(),
            jitter: -1, expected: .retry(milliseconds: 160)),
        Row(name: "a sample outside -1...1 is clamped", attempt: 1, failure: .handler, policy: policy(), jitter: 5,
            expected: .retry(milliseconds: 120)),
        Row(name: "a policy without jitter ignores the sample", attempt: 1, failure: .handler,
            policy: ErrorPolicy(maxRetries: 1, initialBackoff: .milliseconds(50), jitter: 0), jitter: 1,
            expected: .retry(milliseconds: 50)),
        Row(name: "spent retries dead-letter", attempt: 4, failure: .handler, policy: policy(.deadLetter), jitter: 0,
            expected: .deadLetter),
        Row(name: "spent retries discard when the policy says so", attempt: 4, failure: .handler, policy: policy(.discard),
            jitter: 0, expected: .discard),
        Row(name: "no retries: the first failure dead-letters", attempt: 1, failure: .handler, policy: .deadLetter, jitter: 0,
            expected: .deadLetter),
        Row(name: "no retries: the first failure discards", attempt: 1, failure: .handler, policy: .discard, jitter: 0,
            expected: .discard),
        Row(name: "an undeliverable row dead-letters even with retries left", attempt: 1, failure: .undeliverable,
            policy: policy(), jitter: 0, expected: .deadLetter),
        Row(name: "an undeliverable row dead-letters even under a discarding policy", attempt: 1, failure: .undeliverable,
            policy: .discard, jitter: 0, expected: .deadLetter),
    ]

    @Test("decides by attempt, failure and policy", arguments: rows)
    func decides(_ row: Row) {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let decision = RetryDecision.after(attempt: row.attempt, failure: row.failure, policy: row.policy, now: now, jitter: row.jitter)
        switch (decision, row.expected) {
        case (.retry(let backoff, let at), .retry(let milliseconds)):
            #expect(backoff == .milliseconds(milliseconds))
            #expect(at == now.addingTimeInterval(Double(milliseconds) / 1_000))
            #expect(decision.retries)
        case (.deadLetter, .deadLetter), (.discard, .discard):
            #expect(!decision.retries)
        default:
            Issue.record("\(row.name): expected \(row.expected), got \(decision)")
        }
    }

    @Test("random jitter samples stay within -1...1 and vary")
    func randomJitter() {
        let samples = (0 ..< 200).map { _ in RetryDecision.randomJitter() }
        #expect(samples.allSatisfy { (-1 ... 1).contains($0) })
        #expect(Set(samples).count > 1)
    }
}
