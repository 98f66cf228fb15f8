/// The unit of a scenario's median.
enum MeasureUnit: String {
    /// Nanoseconds per operation: lower is faster.
    case nanosPerOp = "ns/op"
    /// Messages per second: higher is faster.
    case messagesPerSecond = "msg/s"
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
