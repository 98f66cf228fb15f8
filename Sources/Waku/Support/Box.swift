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

/// A cached value as a cache cell holds it, without a reference: the address of its ``Box``, or,
/// for a request scope's scoped class instance, of the object itself, tagged (bit 2), so the
/// instance needs no box allocated beside it. Valid while its cell is (see `ScopeStorage`); it is
/// `Sendable` as a plain word, and only handed to resolutions that keep the cell alive.
@usableFromInline
struct CellValue: Sendable {
    @usableFromInline static let directTag: UInt = 4
    /// The address, with ``directTag`` set for an object stored directly. Never 0: heap objects
    /// are at least 16-byte aligned, so the low four bits are free.
    @usableFromInline let word: UInt

    @usableFromInline
    init(word: UInt) { self.word = word }

    @usableFromInline
    init(box: Unmanaged<AnyBox>) { word = UInt(bitPattern: box.toOpaque()) }

    @usableFromInline
    var isDirect: Bool { word & Self.directTag != 0 }

    @usableFromInline
    var pointer: UnsafeRawPointer {
        // `word` is a non-zero address (see above), so this is never nil.
        UnsafeRawPointer(bitPattern: word & ~Self.directTag).unsafelyUnwrapped
    }

    /// The value, which must be a `T` (the slot's key type). For code where `T` is concrete.
    @inlinable
    func read<T>(as type: T.Type) -> T {
        if isDirect { return unsafeBitCast(Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue(), to: T.self) }
        return Unmanaged<AnyBox>.fromOpaque(pointer)._withUnsafeGuaranteedRef { unsafeDowncast($0, to: Box<T>.self).value }
    }

    /// The same for pack expansions, which the optimizer does not specialize per element: the
    /// box is read through its virtual ``AnyBox/read(as:)``, without looking up `Box<T>` at run time.
    @inlinable
    func readElement<T>(as type: T.Type) -> T {
        if isDirect { return unsafeBitCast(Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue(), to: T.self) }
        return Unmanaged<AnyBox>.fromOpaque(pointer)._withUnsafeGuaranteedRef { $0.read(as: T.self) }
    }
}

/// A value a factory just created for a cache cell, owned: boxed, or a class instance as itself.
enum CreatedValue {
    case box(AnyBox)
    case object(AnyObject)
}
