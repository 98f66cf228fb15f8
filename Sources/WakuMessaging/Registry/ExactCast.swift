/// Whether the runtime type of `message` is exactly `M`, as the registry's lookup by exact type
/// makes it for every handler it finds: a metatype comparison instead of a dynamic cast.
@inlinable @inline(__always)
func isExactly<M: IMessage>(_ message: any IMessage, _ type: M.Type) -> Bool {
    ObjectIdentifier(Swift.type(of: message)) == ObjectIdentifier(type)
}

/// `message` as an `M`, once ``isExactly(_:_:)`` has proved its runtime type is `M`: reinterpreting
/// copies the value, with its references retained. Called with an `any IMessage`, which Swift
/// opens into `Actual`. It returns `M`, not `M?`: in generic code that is not specialized, an
/// optional result looks up `Optional<M>`'s metadata on every call.
@usableFromInline
func reinterpret<Actual: IMessage, M: IMessage>(_ message: Actual, as type: M.Type) -> M {
    assert(Actual.self == M.self, "reinterpret(_:as:) needs a message of exactly \(M.self)")
    return unsafeBitCast(message, to: M.self)
}

/// `message` as an `M`: the registry found its handler by the message's exact type, so this is
/// usually a metatype comparison; the dynamic cast is left for a subclass instance.
@inlinable
func cast<M: IMessage>(_ message: any IMessage, to type: M.Type) -> M? {
    if isExactly(message, type) { return reinterpret(message, as: type) }
    return message as? M
}
