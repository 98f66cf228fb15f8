/// What an endpoint does when a routed handler fails: retry with exponential backoff and jitter,
/// then dead-letter or discard. An attempt that exceeds `attemptTimeout` counts as a failure.
///
/// The default (``ErrorPolicy/default``) retries 3 times with backoff starting at 100 ms, then
/// dead-letters, with no attempt timeout (a timeout costs a child task per attempt).
public struct ErrorPolicy: Sendable, Equatable {
    /// What happens to a delivery when its retries run out.
    public enum Exhausted: Sendable, Equatable {
        /// Store the failed delivery in the ``DeadLetterStore`` for inspection and replay.
        case deadLetter
        /// Log and drop it.
        case discard
    }

    /// Retries after the first failure; 0 means a single attempt.
    public var maxRetries: Int
    /// The wait before the first retry.
    public var initialBackoff: Duration
    /// The longest wait between two attempts.
    public var maxBackoff: Duration
    /// How much each wait grows over the previous one: 2 doubles it.
    public var multiplier: Double
    /// Fraction of each backoff randomized (0 = none, 0.2 = ±20 %).
    public var jitter: Double
    /// Whether an exhausted delivery is dead-lettered or discarded.
    public var whenExhausted: Exhausted
    /// Per-attempt execution limit; `nil` (the default) for none. When exceeded, the handler's task
    /// is cancelled and the attempt counts as a failure. Cancellation is cooperative: a handler that
    /// never checks for it keeps its worker busy until it returns.
    public var attemptTimeout: Duration?

    /// A policy; the defaults are those of ``ErrorPolicy/default``.
    public init(
        maxRetries: Int = 3, initialBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(10),
        multiplier: Double = 2, jitter: Double = 0.2, whenExhausted: Exhausted = .deadLetter,
        attemptTimeout: Duration? = nil
    ) {
        self.maxRetries = maxRetries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = multiplier
        self.jitter = jitter
        self.whenExhausted = whenExhausted
        self.attemptTimeout = attemptTimeout
    }

    /// Retry 3 times, backoff from 100 ms, then dead-letter.
    public static let `default` = ErrorPolicy()

    /// Retry `times`, then dead-letter (or `then`).
    public static func retry(
        _ times: Int, backoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(10),
        then exhausted: Exhausted = .deadLetter, attemptTimeout: Duration? = nil
    ) -> ErrorPolicy {
        ErrorPolicy(maxRetries: times, initialBackoff: backoff, maxBackoff: maxBackoff, whenExhausted: exhausted,
                    attemptTimeout: attemptTimeout)
    }

    /// Dead-letter on the first failure.
    public static let deadLetter = ErrorPolicy(maxRetries: 0, whenExhausted: .deadLetter)
    /// Drop on the first failure.
    public static let discard = ErrorPolicy(maxRetries: 0, whenExhausted: .discard)

    /// The wait before retry number `retry` (1-based); `sample`, in -1...1, picks where in the
    /// jitter band (±`jitter` of the wait) it falls.
    func backoff(beforeRetry retry: Int, jitter sample: Double) -> Duration {
        var seconds = min(maxBackoff.seconds, initialBackoff.seconds * pow(multiplier, Double(retry - 1)))
        if jitter > 0 { seconds *= 1 + jitter * min(1, max(-1, sample)) }
        return .nanoseconds(Int64(max(0, seconds) * 1e9))
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 {
        result *= base
        remaining -= 1
    }
    return result
}
