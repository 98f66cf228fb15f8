/// The slot index of each provided type: an open-addressing table keyed by metatype identity.
///
/// `Dictionary<ObjectIdentifier, Int>` hashes every lookup with SipHash, which costs more than
/// the rest of a cached resolution. Metatype addresses are unique and already well spread, so a
/// multiplicative hash and linear probing are enough, and the table is immutable once built.
@usableFromInline
struct TypeIndex: Sendable {
    /// Keys as raw addresses; `0` marks an empty bucket (no metatype lives at address 0).
    private let keys: [UInt]
    private let values: [Int]
    private let mask: Int

    /// A table of the given pairs; each identifier appears once.
    init(_ pairs: [(ObjectIdentifier, Int)]) {
        // Load factor at most 1/2, so probes stay short.
        var capacity = 8
        while capacity < pairs.count * 2 { capacity <<= 1 }
        var keys = [UInt](repeating: 0, count: capacity)
        var values = [Int](repeating: -1, count: capacity)
        let mask = capacity - 1
        for (id, value) in pairs {
            let key = UInt(bitPattern: id)
            var bucket = Self.bucket(key, mask: mask)
            while keys[bucket] != 0 { bucket = (bucket + 1) & mask }
            keys[bucket] = key
            values[bucket] = value
        }
        self.keys = keys
        self.values = values
        self.mask = mask
    }

    @inline(__always)
    static func bucket(_ key: UInt, mask: Int) -> Int {
        // Fibonacci hashing: the high bits of the product mix every bit of the address.
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    @usableFromInline @inline(__always)
    subscript(id: ObjectIdentifier) -> Int? {
        let key = UInt(bitPattern: id)
        return keys.withUnsafeBufferPointer { keys -> Int? in
            var bucket = Self.bucket(key, mask: mask)
            while true {
                let candidate = keys[bucket]
                if candidate == key { return values[bucket] }
                if candidate == 0 { return nil }
                bucket = (bucket + 1) & mask
            }
        }
    }
}
