/// Where every measured result ends up, so the optimizer cannot discard the work that produced it.
///
/// Each scenario feeds its results (response values, resolved objects) into the sink through
/// `@inline(never)` calls that write to this object; the runner prints the checksum at the end,
/// which makes those writes observable. Objects are folded in by identity (`consume`) or, for
/// freshly built ones, also stored (`keep`) so the allocation is an escaping heap allocation the
/// compiler can neither elide nor move to the stack — the same for framework and hand-wired code.
final class Sink {
    private(set) var checksum: UInt64 = 0
    private(set) var consumed: UInt64 = 0
    private var retained: AnyObject?

    /// Folds a value into the checksum.
    @inline(never)
    func consume(_ value: Int) {
        checksum = checksum &* 31 &+ UInt64(truncatingIfNeeded: value)
        consumed &+= 1
    }

    /// Folds an object's identity into the checksum (for cached objects: no retain).
    @inline(never)
    func consume(_ object: AnyObject) {
        checksum = checksum &* 31 &+ UInt64(UInt(bitPattern: ObjectIdentifier(object).hashValue))
        consumed &+= 1
    }

    /// Stores a freshly built object (it escapes) and folds its identity into the checksum.
    @inline(never)
    func keep(_ object: AnyObject) {
        retained = object
        checksum = checksum &* 31 &+ UInt64(UInt(bitPattern: ObjectIdentifier(object).hashValue))
        consumed &+= 1
    }

    /// Drops the last kept object (between scenarios).
    func release() { retained = nil }
}
