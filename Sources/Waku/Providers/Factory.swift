/// A type-erased factory. Each concrete ``TypedFactory`` produces exactly the provider key's type,
/// which is what lets the container downcast without a dynamic check.

// @unchecked: subclasses are immutable; they hold only `let` Sendable closures.
package class AnyFactory: @unchecked Sendable {
    init() {}
}

/// The cleanup registered with a scope for a value it created.
package typealias Cleanup = @Sendable () async throws -> Void


// @unchecked: immutable; `body` is a Sendable closure.
package final class TypedFactory<Value>: AnyFactory, @unchecked Sendable {
    package typealias Body = @Sendable (inout DependencyCursor) async throws -> (Value, Cleanup?)
    let body: Body
    init(_ body: @escaping Body) { self.body = body }
}

/// Resolves the dependencies of one factory call in parameter order, using the slot indices the
/// graph compiler precomputed, so a resolution never hashes a type to find a dependency.
package struct DependencyCursor {
    let container: Container
    let slots: [Int]
    var position = 0

    mutating func next<D>(_ type: D.Type) async throws -> D {
        let slot = slots[position]
        position += 1
        return try await container.resolve(slot: slot, as: type)
    }
}

/// A factory with its dependency list, built from any function by parameter packs.
///
/// `Factory(UserService.init)` resolves each parameter of the initializer by its type.
public struct Factory<Value: Sendable>: Sendable {
    let dependencies: [TypeKey]
    let make: TypedFactory<Value>
    let implementation: String

    /// Wraps a function whose parameters are resolved from the container by type.
    public init<each Dependency>(_ function: @escaping @Sendable (repeat each Dependency) async throws -> Value) {
        var dependencies: [TypeKey] = []
        repeat dependencies.append(TypeKey((each Dependency).self))
        self.dependencies = dependencies
        implementation = typeName(Value.self)
        make = TypedFactory { cursor in
            let value = try await function(repeat try await cursor.next((each Dependency).self))
            return (value, nil)
        }
    }

    /// Wraps a function that returns its value with a cleanup.
    public init<each Dependency>(
        _ function: @escaping @Sendable (repeat each Dependency) async throws -> Finalized<Value>
    ) {
        var dependencies: [TypeKey] = []
        repeat dependencies.append(TypeKey((each Dependency).self))
        self.dependencies = dependencies
        implementation = typeName(Value.self)
        make = TypedFactory { cursor in
            let finalized = try await function(repeat try await cursor.next((each Dependency).self))
            return (finalized.value, finalized.cleanup)
        }
    }

    init(dependencies: [TypeKey], implementation: String, make: TypedFactory<Value>) {
        self.dependencies = dependencies
        self.implementation = implementation
        self.make = make
    }
}
