/// `message` as an `M` when its runtime type is exactly `M`, as a routed delivery's target
/// guarantees: a metatype comparison instead of a dynamic cast, which in generic code that is
/// not specialized walks the runtime's conformance and metadata caches on every delivery.
func exactly<M: IMessage>(_ message: any IMessage, as type: M.Type) -> M? {
    func open<Actual: IMessage>(_ actual: Actual) -> M? {
        // Any other type goes through the ordinary cast (a subclass, for instance).
        guard Actual.self == M.self else { return actual as? M }
        // The same type: reinterpreting copies the value, with its references retained.
        return unsafeBitCast(actual, to: M.self)
    }
    return open(message)
}
