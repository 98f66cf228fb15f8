/// Type-erased storage for a resolved value.
///
/// Every cache slot is keyed by the value's type, so the container can downcast with
/// `unsafeDowncast` instead of a dynamic cast on the hot path.

package class AnyBox: @unchecked Sendable {
    // @unchecked: immutable after init; subclasses only hold `let` values that are Sendable.
    init() {}
}


package final class Box<Value>: AnyBox, @unchecked Sendable {
    // @unchecked: `value` is a `let`, and every Box is created from a Sendable value
    // (providers require `Value: Sendable`).
    let value: Value
    init(_ value: Value) { self.value = value }
}
