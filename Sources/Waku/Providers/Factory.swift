/// A type-erased factory. Each concrete ``TypedFactory`` produces exactly the provider key's type,
/// which is what lets the container downcast without a dynamic check.

@usableFromInline
// @unchecked: subclasses are immutable; they hold only `let` Sendable closures.
package class AnyFactory: @unchecked Sendable {
    @usableFromInline init() {}
}

/// The cleanup registered with a scope for a value it created.
@usableFromInline
package typealias Cleanup = @Sendable () async throws -> Void


@usableFromInline
// @unchecked: immutable; `body` is a Sendable closure.
package final class TypedFactory<Value>: AnyFactory, @unchecked Sendable {
    /// Builds the value; a cleanup, if any, is handed back in `cursor.cleanup`.
    @usableFromInline
    package typealias Body = @Sendable (inout DependencyCursor) async throws -> Value
    @usableFromInline let body: Body
    @usableFromInline init(_ body: @escaping Body) { self.body = body }
}

/// Resolves the dependencies of one factory call in parameter order, using the slot indices the
/// graph compiler precomputed, so a resolution never hashes a type to find a dependency.
@usableFromInline
package struct DependencyCursor {
    @usableFromInline let container: Container
    /// The graph the resolution started with, so a factory's dependencies never reload it.
    @usableFromInline let graph: CompiledGraph
    @usableFromInline let slots: [Int]
    @usableFromInline var position = 0
    /// Set by a factory whose value needs a cleanup.
    @usableFromInline var cleanup: Cleanup?

    @usableFromInline
    init(container: Container, graph: CompiledGraph, slots: [Int]) {
        self.container = container
        self.graph = graph
        self.slots = slots
    }

    /// Resolves the next parameter. Inlined into the factory closures, which are specialized
    /// where providers are declared: a cached dependency comes back synchronously and a
    /// transient one is built by calling its factory directly, without the generic resolver.
    @inlinable
    mutating func next<D>(_ type: D.Type) async throws -> D {
        let slot = slots[position]
        position += 1
        switch container.fastPath(slot: slot, in: graph) {
        case .cached(let box):
            return unsafeDowncast(box, to: Box<D>.self).value
        case .transient(let factory, let dependencySlots, let key):
            return try await container.build(
                unsafeDowncast(factory, to: TypedFactory<D>.self), dependencySlots: dependencySlots, key: key, in: graph)
        case .slow:
            return try await container.resolve(slot: slot, as: type, in: graph)
        }
    }
}

/// What a resolution can do without the generic resolver.
@usableFromInline
enum FastPath {
    /// An instance, or a singleton or scoped value already created.
    case cached(AnyBox)
    /// A transient provider: call its factory with these dependency slots.
    case transient(AnyFactory, dependencySlots: [Int], key: TypeKey)
    /// Anything else (creating a cached value, context values, errors).
    case slow
}

/// A factory with its dependency list, built from any function by parameter packs.
///
/// `Factory(UserService.init)` resolves each parameter of the initializer by its type.
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
    public init<each Dependency>(_ function: @escaping @Sendable (repeat each Dependency) async throws -> Value) {
        var dependencies: [TypeKey] = []
        repeat dependencies.append(TypeKey((each Dependency).self))
        self.dependencies = dependencies
        implementation = TypeName(Value.self)
        make = TypedFactory { cursor in
            try await function(repeat try await cursor.next((each Dependency).self))
        }
    }

    /// Wraps a function that returns its value with a cleanup.
    @inlinable
    public init<each Dependency>(
        _ function: @escaping @Sendable (repeat each Dependency) async throws -> Finalized<Value>
    ) {
        var dependencies: [TypeKey] = []
        repeat dependencies.append(TypeKey((each Dependency).self))
        self.dependencies = dependencies
        implementation = TypeName(Value.self)
        make = TypedFactory { cursor in
            let finalized = try await function(repeat try await cursor.next((each Dependency).self))
            cursor.cleanup = finalized.cleanup
            return finalized.value
        }
    }

    init(dependencies: [TypeKey], implementation: TypeName, make: TypedFactory<Value>) {
        self.dependencies = dependencies
        self.implementation = implementation
        self.make = make
    }
}
