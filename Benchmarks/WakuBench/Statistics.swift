/// Order statistics over measured samples.
enum Statistics {
    /// The median; the mean of the two middle values for an even count (as Python's
    /// `statistics.median`). `nan` when empty.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
