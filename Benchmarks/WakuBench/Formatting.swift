import Foundation

/// `1234567.8` → `"1,234,568"`; below 1,000 with `decimals` places.
func grouped(_ value: Double, decimals: Int = 1) -> String {
    guard value.isFinite else { return "-" }
    if abs(value) < 1_000 { return String(format: "%.\(decimals)f", value) }
    let integer = String(Int64(value.rounded()))
    let negative = integer.hasPrefix("-")
    let digits = Array(negative ? integer.dropFirst() : integer[...])
    var out = ""
    for (offset, digit) in digits.enumerated() {
        if offset > 0, (digits.count - offset) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return (negative ? "-" : "") + out
}

/// A measured value in its unit, for the table.
func formatValue(_ value: Double?, _ unit: MeasureUnit) -> String {
    guard let value else { return "-" }
    switch unit {
    case .nanosPerOp: return grouped(value)
    case .messagesPerSecond, .bytesPerMessage: return grouped(value, decimals: 0)
    }
}

/// Nanoseconds with a readable unit: `"812 ns"`, `"3.41 µs"`, `"52.3 ms"`.
func formatNanos(_ nanos: Double) -> String {
    switch nanos {
    case ..<1_000: String(format: "%.0f ns", nanos)
    case ..<1_000_000: String(format: "%.2f µs", nanos / 1_000)
    case ..<1_000_000_000: String(format: "%.1f ms", nanos / 1_000_000)
    default: String(format: "%.2f s", nanos / 1_000_000_000)
    }
}

/// A ratio with three significant digits: `0.0123`, `1.23`, `123`.
func formatRatio(_ ratio: Double?) -> String {
    guard let ratio, ratio.isFinite else { return "-" }
    switch ratio {
    case ..<0.001: return String(format: "%.2e", ratio)
    case ..<0.01: return String(format: "%.5f", ratio)
    case ..<0.1: return String(format: "%.4f", ratio)
    case ..<1: return String(format: "%.3f", ratio)
    case ..<10: return String(format: "%.2f", ratio)
    case ..<100: return String(format: "%.1f", ratio)
    default: return String(format: "%.0f", ratio)
    }
}

func padded(_ text: String, _ width: Int, right: Bool = false) -> String {
    let count = text.count
    guard count < width else { return text }
    let fill = String(repeating: " ", count: width - count)
    return right ? fill + text : text + fill
}

/// One shell word, quoted when needed, so the printed command can be pasted back.
func shellQuoted(_ word: String) -> String {
    let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    if !word.isEmpty, word.unicodeScalars.allSatisfy({ safe.contains($0) }) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
