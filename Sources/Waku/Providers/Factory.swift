/// A type-erased factory. Each concrete ``TypedFactory`` produces exactly the provider key's type,
/// which is what lets the container downcast without a dynamic check.

// @unchecked: subclasses are immutable; they hold only `let` Sendable closures.
@usableFromInline
package class AnyFactory: @unchecked Sendable {
    @usableFromInline init() {}
}

/// The cleanup registered with a scope for a value it created.
@usableFromInline
package typealias Cleanup = @Sendable () async throws -> Void


// @unchecked: immutable; `body` is a Sendable closure.
@usableFromInline
package final class TypedFactory<Value>: AnyFactory, @unchecked Sendable {
    @usableFromInline
    package typealias Body = @Sendable (inout DependencyCursor) async throws -> (Value, Cleanup?)
    let body: Body
    @usableFromInline init(_ body: @escaping Body) { self.body = body }
}

/// Resolves the dependencies of one factory call in parameter order, using the slot indices the
/// graph compiler precomputed, so a resolution never hashes a type to find a dependency.
@usableFromInline
package struct DependencyCursor {
    let container: Container
    /// The graph the resolution started with, so a factory's dependencies never reload it.
    let graph: CompiledGraph
    let slots: [Int]
    var position = 0

    init(container: Container, graph: CompiledGraph, slots: [Int]) {
        self.container = container
        self.graph = graph
        self.slots = slots
    }

    /// Resolves the next parameter. Not inlined: the factory closures that call it are
    /// specialized in the caller's module, and this keeps them small.
    @usableFromInline
    mutating func next<D>(_ type: D.Type) async throws -> D {
        let slot = slots[position]
        position += 1
        return try await container.resolve(slot: slot, as: type, in: graph)
    }
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
            let value = try await function(repeat try await cursor.next((each Dependency).self))
            return (value, nil)
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
            return (finalized.value, finalized.cleanup)
        }
    }

    init(dependencies: [TypeKey], implementation: TypeName, make: TypedFactory<Value>) {
        self.dependencies = dependencies
        self.implementation = implementation
        self.make = make
    }
}
