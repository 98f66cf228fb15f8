/// The unit of a scenario's median.
enum MeasureUnit: String {
    /// Nanoseconds per operation: lower is faster.
    case nanosPerOp = "ns/op"
    /// Messages per second: higher is faster.
    case messagesPerSecond = "msg/s"
    /// Bytes of memory per queued message: lower is better.
    case bytesPerMessage = "B/msg"

    /// Whether a smaller median is the better one (a ratio below 1 is then an improvement).
    var lowerIsBetter: Bool { self != .messagesPerSecond }
}

/// What one scenario measured.
struct Measurement {
    var unit: MeasureUnit
    /// Median over batches of each batch's mean ns/op, or median msg/s over runs.
    var median: Double
    /// Per-operation percentiles, only where each operation was timed on its own.
    var p50: Double?
    var p99: Double?
    /// Measured operations (warm-up excluded).
    var iterations: Int
    var note: String?
}

/// Thrown by a scenario that cannot run here (e.g. no PostgreSQL configured). The runner reports
/// it as skipped, with `reason`, and does not count it as a failure.
struct ScenarioSkipped: Error, CustomStringConvertible {
    let unit: MeasureUnit
    let reason: String
    var description: String { "skipped: \(reason)" }
}
