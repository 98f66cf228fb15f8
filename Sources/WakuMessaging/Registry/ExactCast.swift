/// Whether the runtime type of `message` is exactly `M`, as a routed delivery's target
/// guarantees: a metatype comparison instead of a dynamic cast, which in generic code that is
/// not specialized walks the runtime's conformance and metadata caches on every delivery.
@inlinable @inline(__always)
func isExactly<M: IMessage>(_ message: any IMessage, _ type: M.Type) -> Bool {
    ObjectIdentifier(Swift.type(of: message)) == ObjectIdentifier(type)
}

/// `message` as an `M`, once ``isExactly(_:_:)`` has proved its runtime type is `M`: reinterpreting
/// copies the value, with its references retained. It returns `M`, not `M?`: in generic code that
/// is not specialized, an optional result looks up `Optional<M>`'s metadata on every call.
@usableFromInline
func reinterpret<M: IMessage>(_ message: any IMessage, as type: M.Type) -> M {
    assert(isExactly(message, type), "reinterpret(_:as:) needs a message of exactly \(M.self)")
    func open<Actual: IMessage>(_ actual: Actual) -> M { unsafeBitCast(actual, to: M.self) }
    return open(message)
}

/// Calls `body` with `message` cast to `M` by the ordinary dynamic cast, for a message whose type
/// is not exactly `M` (a subclass, for instance); does nothing if the cast fails. A function of
/// its own, never inlined: an async frame allocates its locals on entry, so an `M?` in the
/// caller would cost every delivery `Optional<M>`'s metadata and a frame allocation.
@inline(never)
func withCast<M: IMessage>(_ message: any IMessage, to type: M.Type, _ body: (M) async throws -> Void) async rethrows {
    guard let typed = message as? M else { return }
    try await body(typed)
}
