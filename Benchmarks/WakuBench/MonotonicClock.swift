#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The benchmark's only time source: `clock_gettime(CLOCK_MONOTONIC)` in nanoseconds.
///
/// Monotonic (never jumps with wall-clock adjustments), and the same clock Python's
/// `time.perf_counter_ns` reads on Linux, so the peer numbers are measured alike.
enum MonotonicClock {
    @inline(__always)
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// Median cost of one `now()` (two back-to-back reads), reported in the header: per-operation
    /// latencies include about one read.
    static func readOverhead(samples: Int = 10_001) -> Double {
        var deltas: [UInt64] = []
        deltas.reserveCapacity(samples)
        for _ in 0 ..< samples {
            let start = now()
            let end = now()
            deltas.append(end &- start)
        }
        return Statistics.median(deltas.map { Double($0) })
    }
}
