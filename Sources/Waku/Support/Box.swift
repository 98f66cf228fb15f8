/// Type-erased storage for a resolved value.
///
/// Every cache slot is keyed by the value's type, so the container can downcast with
/// `unsafeDowncast` instead of a dynamic cast on the hot path.

@usableFromInline
// @unchecked: immutable after init; subclasses only hold `let` values that are Sendable.
package class AnyBox: @unchecked Sendable {
    @usableFromInline init() {}
}

@usableFromInline
// @unchecked: `value` is a `let`, and every Box is created from a Sendable value (providers require it).
package final class Box<Value>: AnyBox, @unchecked Sendable {
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }
}
