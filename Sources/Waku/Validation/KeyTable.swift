/// Dense ids for the types a provider graph mentions: provided types, dependencies, exports.
///
/// Validation asks many questions per type (which provider was chosen, who declares and who
/// exports it, its color in the cycle search). Answering them from arrays indexed by a dense
/// id, after one lookup per mention, keeps building an app linear in its size: hashing every
/// `TypeKey` into several dictionaries cost more than everything else `create()` does, and
/// slowed down further once those tables outgrew the CPU caches.
struct KeyTable {
    /// The keys in the order they were first met; a key's id is its index here.
    private(set) var keys: [TypeKey] = []
    /// Open addressing over metatype addresses, as ``TypeIndex``; an address of `0` marks an
    /// empty bucket. Address and id share a bucket, so a probe reads one cache line.
    private var buckets: [Bucket]
    private var mask: Int

    private struct Bucket {
        var address: UInt = 0
        var id = -1
    }

    init(capacity: Int) {
        var count = 16
        while count < capacity * 2 { count <<= 1 }
        buckets = [Bucket](repeating: Bucket(), count: count)
        mask = count - 1
        keys.reserveCapacity(capacity)
    }

    var count: Int { keys.count }

    /// The id of `key`, assigning the next one if it is new.
    mutating func id(_ key: TypeKey) -> Int {
        let address = UInt(bitPattern: key.id)
        var bucket = TypeIndex.bucket(address, mask: mask)
        while true {
            let candidate = buckets[bucket]
            if candidate.address == address { return candidate.id }
            if candidate.address == 0 { break }
            bucket = (bucket + 1) & mask
        }
        let id = keys.count
        keys.append(key)
        buckets[bucket] = Bucket(address: address, id: id)
        if keys.count * 2 > buckets.count { grow() }
        return id
    }

    private mutating func grow() {
        var grown = [Bucket](repeating: Bucket(), count: buckets.count * 2)
        let newMask = grown.count - 1
        for (id, key) in keys.enumerated() {
            let address = UInt(bitPattern: key.id)
            var bucket = TypeIndex.bucket(address, mask: newMask)
            while grown[bucket].address != 0 { bucket = (bucket + 1) & newMask }
            grown[bucket] = Bucket(address: address, id: id)
        }
        buckets = grown
        mask = newMask
    }
}
