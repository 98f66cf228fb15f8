/// Type-erased storage for a resolved value.
///
/// Every cache slot is keyed by the value's type, so the container can downcast with
/// `unsafeDowncast` instead of a dynamic cast on the hot path.

@usableFromInline
// @unchecked: immutable after init; subclasses only hold `let` values that are Sendable.
package class AnyBox: @unchecked Sendable {
    @usableFromInline init() {}

    /// The value, which must be a `Value`. Overridden by `Box`, so code that is generic over the
    /// value type (a parameter pack's elements) reads a box through a virtual call, without
    /// looking up `Box<Value>`'s metadata at run time as `unsafeDowncast` would there.
    @usableFromInline func read<Value>(as type: Value.Type) -> Value {
        unsafeDowncast(self, to: Box<Value>.self).value
    }
}

@usableFromInline
// @unchecked: `value` is a `let`, and every Box is created from a Sendable value (providers require it).
package final class Box<Value>: AnyBox, @unchecked Sendable {
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }

    /// `Requested` is always `Value` (every box of a slot holds the slot key's type).
    @usableFromInline override func read<Requested>(as type: Requested.Type) -> Requested {
        unsafeBitCast(value, to: Requested.self)
    }
}
