import Foundation
import Histogram

/// Collects enqueue-to-handled latencies: each message carries the clock reading taken just
/// before it was published, and its handler records `now - sentAt` when it runs. Also counts
/// handled messages (``Completion``), so a round can wait for its messages.
final class LatencyRecorder: @unchecked Sendable {
    // @unchecked: `samples` and `recording` are only touched while holding `lock`.
    private let lock = NSLock()
    private var samples: [UInt64] = []
    private var recording = false
    let completion = Completion()

    init() {}

    /// Starts collecting (warm-up messages handled before this are not recorded).
    func start(expecting count: Int) {
        lock.lock()
        samples.removeAll(keepingCapacity: true)
        samples.reserveCapacity(count)
        recording = true
        lock.unlock()
    }

    /// Called by the handler: records one latency and counts the message as handled.
    func handled(sentAt: UInt64) {
        let latency = MonotonicClock.now() &- sentAt
        lock.lock()
        if recording { samples.append(latency) }
        lock.unlock()
        completion.markHandled()
    }

    /// Stops collecting and returns the samples, in handling order.
    func stop() -> [UInt64] {
        lock.lock()
        defer { lock.unlock() }
        recording = false
        return samples
    }
}

extension Measurement {
    /// A latency measurement from individual samples (ns): p50/p99 from an HDR histogram
    /// (3 significant digits), the median over the means of consecutive groups of
    /// `groupSize` samples (as ``Harness/measureLatency(_:_:)`` reports its batches).
    static func latency(_ samples: [UInt64], groupSize: Int = 100) throws -> Measurement {
        guard !samples.isEmpty else { throw BenchFailure("no latency samples recorded") }
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        for sample in samples { histogram.record(sample) }
        var means: [Double] = []
        var start = 0
        while start < samples.count {
            let group = samples[start ..< min(start + groupSize, samples.count)]
            means.append(Double(group.reduce(0, &+)) / Double(group.count))
            start += groupSize
        }
        return Measurement(
            unit: .nanosPerOp, median: Statistics.median(means),
            p50: Double(histogram.valueAtPercentile(50)), p99: Double(histogram.valueAtPercentile(99)),
            iterations: samples.count)
    }
}
