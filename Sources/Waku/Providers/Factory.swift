/// A type-erased factory. Each concrete ``TypedFactory`` produces exactly the provider key's type,
/// which is what lets the container downcast without a dynamic check.

@usableFromInline
// @unchecked: subclasses are immutable; they hold only `let` Sendable closures.
package class AnyFactory: @unchecked Sendable {
    /// Whether the factory can build its value without suspending.
    @usableFromInline let isSynchronous: Bool
    @usableFromInline init(isSynchronous: Bool = false) { self.isSynchronous = isSynchronous }

    /// Builds the value without suspending; only for a synchronous factory, and only when every
    /// cached value the build reads exists. Overridden by `TypedFactory`, so code that is generic
    /// over the value type (a parameter pack's elements) calls it virtually, without looking up
    /// `TypedFactory<Value>`'s metadata at run time.
    @usableFromInline func buildSync<Value>(_ cursor: inout DependencyCursor, as type: Value.Type) throws -> Value {
        try unsafeDowncast(self, to: TypedFactory<Value>.self).buildSync(&cursor, as: type)
    }

    /// Builds the value without suspending, boxed for a cache cell; same conditions as
    /// ``buildSync(_:as:)``.
    @usableFromInline func buildBoxSync(_ cursor: inout DependencyCursor) throws -> AnyBox {
        throw ResolutionError(type: "a value", reason: .scopeClosed)
    }

    /// Whether the value is a class instance that a cache cell can hold without a box.
    @usableFromInline var buildsObject: Bool { false }

    /// Builds the value without suspending, as the object itself; only when ``buildsObject``,
    /// under the conditions of ``buildSync(_:as:)``.
    @usableFromInline func buildObjectSync(_ cursor: inout DependencyCursor) throws -> AnyObject {
        throw ResolutionError(type: "a value", reason: .scopeClosed)
    }
}

/// The cleanup registered with a scope for a value it created.
@usableFromInline
package typealias Cleanup = @Sendable () async throws -> Void


@usableFromInline
// @unchecked: immutable; `body` and `syncBody` are Sendable closures.
package final class TypedFactory<Value>: AnyFactory, @unchecked Sendable {
    /// Builds the value; a cleanup, if any, is handed back in `cursor.cleanup`.
    @usableFromInline
    package typealias Body = @Sendable (inout DependencyCursor) async throws -> Value
    /// The same, for a synchronous function.
    @usableFromInline
    package typealias SyncBody = @Sendable (inout DependencyCursor) throws -> Value
    @usableFromInline let body: Body
    @usableFromInline let syncBody: SyncBody?
    /// `syncBody` with its value boxed for a cache cell. Built here, in an initializer inlined
    /// where `Value` is concrete, because boxing in `TypedFactory`'s own (unspecialized) methods
    /// would look up `Box<Value>`'s metadata at run time on every creation.
    @usableFromInline let syncBoxBody: (@Sendable (inout DependencyCursor) throws -> AnyBox)?
    /// `syncBody` for a class type, its value as `AnyObject`, for a scoped cell that stores it
    /// without a box; `nil` for other types. Built here for the same reason as `syncBoxBody`.
    @usableFromInline let syncObjectBody: (@Sendable (inout DependencyCursor) throws -> AnyObject)?

    @inlinable init(_ body: @escaping Body) {
        self.body = body
        syncBody = nil
        syncBoxBody = nil
        syncObjectBody = nil
        super.init()
    }

    /// A factory for a synchronous function.
    @inlinable init(_ body: @escaping Body, sync syncBody: @escaping SyncBody) {
        self.body = body
        self.syncBody = syncBody
        syncBoxBody = { cursor in Box(try syncBody(&cursor)) }
        // A class instance is one reference, the same bits as `AnyObject`; class-bound
        // existentials (which carry witness tables) and optionals are boxed.
        if Value.self is AnyObject.Type, MemoryLayout<Value>.size == MemoryLayout<AnyObject>.size {
            syncObjectBody = { cursor in unsafeBitCast(try syncBody(&cursor), to: AnyObject.self) }
        } else {
            syncObjectBody = nil
        }
        super.init(isSynchronous: true)
    }

    @usableFromInline
    override var buildsObject: Bool { syncObjectBody != nil }

    @usableFromInline
    override func buildObjectSync(_ cursor: inout DependencyCursor) throws -> AnyObject {
        guard let syncObjectBody else { throw ResolutionError(type: typeName(Value.self), reason: .scopeClosed) }
        return try syncObjectBody(&cursor)
    }

    @usableFromInline
    override func buildBoxSync(_ cursor: inout DependencyCursor) throws -> AnyBox {
        guard let syncBoxBody else { throw ResolutionError(type: typeName(Value.self), reason: .scopeClosed) }
        return try syncBoxBody(&cursor)
    }

    /// `Requested` is always `Value` (every factory of a slot builds the slot key's type).
    @usableFromInline
    override func buildSync<Requested>(_ cursor: inout DependencyCursor, as type: Requested.Type) throws -> Requested {
        guard let syncBody else { throw ResolutionError(type: typeName(Value.self), reason: .scopeClosed) }
        return unsafeBitCast(try syncBody(&cursor), to: Requested.self)
    }
}

/// A factory with its dependency list, built from any function by parameter packs.
///
/// `Factory(UserService.init)` resolves each parameter of the initializer by its type. A
/// synchronous function (most initializers) is kept synchronous, so building its value, and
/// its transient dependencies, needs no async call once the cached values it reads exist.
///
/// The initializers are inlinable so the closure that calls `function` is specialized where the
/// provider is declared, with the concrete parameter types, instead of walking a parameter pack
/// generically on every resolution.
public struct Factory<Value: Sendable>: Sendable {
    @usableFromInline let dependencies: [TypeKey]
    @usableFromInline let make: TypedFactory<Value>
    @usableFromInline let implementation: TypeName

    /// Wraps a function whose parameters are resolved from the container by type.
    @inlinable
    public init<each Dependency>(_ function: @escaping @Sendable (repeat __owned each Dependency) async throws -> Value) {
        self.init(dependencies: Self.keys(repeat (each Dependency).self), make: TypedFactory { cursor in
            try await function(repeat try await cursor.nextElement((each Dependency).self))
        })
    }

    /// Wraps a synchronous function whose parameters are resolved from the container by type.
    @inlinable
    public init<each Dependency>(_ function: @escaping @Sendable (repeat __owned each Dependency) throws -> Value) {
        self.init(
            dependencies: Self.keys(repeat (each Dependency).self),
            make: TypedFactory(
                { cursor in try function(repeat try await cursor.nextElement((each Dependency).self)) },
                sync: { cursor in try function(repeat try cursor.nextSyncElement((each Dependency).self)) }))
    }

    /// Wraps a function that returns its value with a cleanup.
    @inlinable
    public init<each Dependency>(
        _ function: @escaping @Sendable (repeat __owned each Dependency) async throws -> Finalized<Value>
    ) {
        self.init(dependencies: Self.keys(repeat (each Dependency).self), make: TypedFactory { cursor in
            let finalized = try await function(repeat try await cursor.nextElement((each Dependency).self))
            cursor.cleanup = finalized.cleanup
            return finalized.value
        })
    }

    /// Wraps a synchronous function that returns its value with a cleanup.
    @inlinable
    public init<each Dependency>(
        _ function: @escaping @Sendable (repeat __owned each Dependency) throws -> Finalized<Value>
    ) {
        self.init(
            dependencies: Self.keys(repeat (each Dependency).self),
            make: TypedFactory(
                { cursor in
                    let finalized = try function(repeat try await cursor.nextElement((each Dependency).self))
                    cursor.cleanup = finalized.cleanup
                    return finalized.value
                },
                sync: { cursor in
                    let finalized = try function(repeat try cursor.nextSyncElement((each Dependency).self))
                    cursor.cleanup = finalized.cleanup
                    return finalized.value
                }))
    }

    @usableFromInline
    init(dependencies: [TypeKey], make: TypedFactory<Value>) {
        self.dependencies = dependencies
        implementation = TypeName(Value.self)
        self.make = make
    }

    init(dependencies: [TypeKey], implementation: TypeName, make: TypedFactory<Value>) {
        self.dependencies = dependencies
        self.implementation = implementation
        self.make = make
    }

    @usableFromInline
    static func keys<each Dependency>(_ types: repeat (each Dependency).Type) -> [TypeKey] {
        var keys: [TypeKey] = []
        repeat keys.append(TypeKey(each types))
        return keys
    }
}
