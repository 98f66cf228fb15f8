// The provider helpers, named as in waku. Each autowires any function or initializer: every
// parameter is resolved from the container by its type, through parameter packs.

@usableFromInline
func makeProvider<Key: Sendable>(
    _ key: Key.Type, _ factory: Factory<Key>, _ lifetime: Lifetime, _ condition: Condition?
) -> Provider {
    Provider(
        key: TypeKey(key), lifetime: lifetime, dependencies: factory.dependencies,
        implementation: factory.implementation, condition: condition, factory: factory.make)
}

// MARK: singleton

/// One instance for the app, created on first use: `singleton(Database.init)`.
@inlinable
public func singleton<T: Sendable, each D>(
    _ factory: @escaping @Sendable (repeat __owned each D) async throws -> T, when condition: Condition? = nil
) -> Provider {
    makeProvider(T.self, Factory(factory), .singleton, condition)
}

/// The same, for a synchronous function (most initializers): its value, and its transient
/// dependencies, are then built without an async call once the cached values they read exist.
@inlinable
public func singleton<T: Sendable, each D>(
    _ factory: @escaping @Sendable (repeat __owned each D) throws -> T, when condition: Condition? = nil
) -> Provider {
    makeProvider(T.self, Factory(factory), .singleton, condition)
}

/// Binds an interface: `singleton((any ILogger).self, ConsoleLogger.init)`.
@inlinable
public func singleton<I: Sendable, each D>(
    _ interface: I.Type, _ factory: @escaping @Sendable (repeat __owned each D) async throws -> I,
    when condition: Condition? = nil
) -> Provider {
    makeProvider(I.self, Factory(factory), .singleton, condition)
}

/// The same, for a synchronous function (most initializers): its value, and its transient
/// dependencies, are then built without an async call once the cached values they read exist.
@inlinable
public func singleton<I: Sendable, each D>(
    _ interface: I.Type, _ factory: @escaping @Sendable (repeat __owned each D) throws -> I,
    when condition: Condition? = nil
) -> Provider {
    makeProvider(I.self, Factory(factory), .singleton, condition)
}

/// A singleton whose factory hands back a cleanup, run at app close.
@inlinable
public func singleton<T: Sendable, each D>(
    _ factory: @escaping @Sendable (repeat __owned each D) async throws -> Finalized<T>, when condition: Condition? = nil
) -> Provider {
    makeProvider(T.self, Factory(factory), .singleton, condition)
}

/// The same, for a synchronous function (most initializers): its value, and its transient
/// dependencies, are then built without an async call once the cached values they read exist.
@inlinable
public func singleton<T: Sendable, each D>(
    _ factory: @escaping @Sendable (repeat __owned each D) throws -> Finalized<T>, when condition: Condition? = nil
) -> Provider {
    makeProvider(T.self, Factory(factory), .singleton, condition)
}

/// An interface-bound singleton with a cleanup.
@inlinable
public func singleton<I: Sendable, each D>(
    _ interface: I.Type, _ factory: @escaping @Sendable (repeat __owned each D) async throws -> Finalized<I>,
    when condition: Condition? = nil
) -> Provider {
    makeProvider(I.self, Factory(factory), .singleton, condition)
}

/// The same, for a synchronous function (most initializers): its value, and its transient
/// dependencies, are then built without an async call once the cached values they read exist.
@inlinable
public func singleton<I: Sendable, each D>(
    _ interface: I.Type, _ factory: @escaping @Sendable (repeat __owned each D) throws -> Finalized<I>,
    when condition: Condition? = nil
) -> Provider {
    makeProvider(I.self, Factory(factory), .singleton, condition)
}

// MARK: scoped

/// One instance per request scope: `scoped(UserService.init)`.
@inlinable
public func scoped<T: Sendable, each D>(
    _ factory: @escaping @Sendable (repeat __owned each D) async throws -> T, when condition: Condition? = nil
) -> Provider {
    makeProvider(T.self, Factory(factory), .scoped, condition)
}

/// The same, for a synchronous function (most initializers): its value, and its transient
/// dependencies, are then built without an async call once the cached values they read exist.
@inlinable
public func scoped<T: Sendable, each D>(
    _ factory: @escaping @Sendable (repeat __owned each D) throws -> T, when condition: Condition? = nil
) -> Provider {
    makeProvider(T.self, Factory(factory), .scoped, condition)
}

/// A request-scoped interface binding.
@inlinable
public func scoped<I: Sendable, each D>(
    _ interface: I.Type, _ factory: @escaping @Sendable (repeat __owned each D) async throws -> I,
    when condition: Condition? = nil
) -> Provider {
    makeProvider(I.self, Factory(factory), .scoped, condition)
}

/// The same, for a synchronous function (most initializers): its value, and its transient
/// dependencies, are then built without an async call once the cached values they read exist.
@inlinable
public func scoped<I: Sendable, each D>(
    _ interface: I.Type, _ factory: @escaping @Sendable (repeat __owned each D) throws -> I,
    when condition: Condition? = nil
) -> Provider {
    makeProvider(I.self, Factory(factory), .scoped, condition)
}

/// A request-scoped value with a cleanup, run when the scope closes.
@inlinable
public func scoped<T: Sendable, each D>(
    _ factory: @escaping @Sendable (repeat __owned each D) async throws -> Finalized<T>, when condition: Condition? = nil
) -> Provider {
    makeProvider(T.self, Factory(factory), .scoped, condition)
}

/// The same, for a synchronous function (most initializers): its value, and its transient
/// dependencies, are then built without an async call once the cached values they read exist.
@inlinable
public func scoped<T: Sendable, each D>(
    _ factory: @escaping @Sendable (repeat __owned each D) throws -> Finalized<T>, when condition: Condition? = nil
) -> Provider {
    makeProvider(T.self, Factory(factory), .scoped, condition)
}

/// A request-scoped interface binding with a cleanup.
@inlinable
public func scoped<I: Sendable, each D>(
    _ interface: I.Type, _ factory: @escaping @Sendable (repeat __owned each D) async throws -> Finalized<I>,
    when condition: Condition? = nil
) -> Provider {
    makeProvider(I.self, Factory(factory), .scoped, condition)
}

/// The same, for a synchronous function (most initializers): its value, and its transient
/// dependencies, are then built without an async call once the cached values they read exist.
@inlinable
public func scoped<I: Sendable, each D>(
    _ interface: I.Type, _ factory: @escaping @Sendable (repeat __owned each D) throws -> Finalized<I>,
    when condition: Condition? = nil
) -> Provider {
    makeProvider(I.self, Factory(factory), .scoped, condition)
}

// MARK: transient

/// A new instance on every resolution: `transient(RequestID.init)`.
@inlinable
public func transient<T: Sendable, each D>(
    _ factory: @escaping @Sendable (repeat __owned each D) async throws -> T, when condition: Condition? = nil
) -> Provider {
    makeProvider(T.self, Factory(factory), .transient, condition)
}

/// The same, for a synchronous function (most initializers): its value, and its transient
/// dependencies, are then built without an async call once the cached values they read exist.
@inlinable
public func transient<T: Sendable, each D>(
    _ factory: @escaping @Sendable (repeat __owned each D) throws -> T, when condition: Condition? = nil
) -> Provider {
    makeProvider(T.self, Factory(factory), .transient, condition)
}

/// A transient interface binding.
@inlinable
public func transient<I: Sendable, each D>(
    _ interface: I.Type, _ factory: @escaping @Sendable (repeat __owned each D) async throws -> I,
    when condition: Condition? = nil
) -> Provider {
    makeProvider(I.self, Factory(factory), .transient, condition)
}

/// The same, for a synchronous function (most initializers): its value, and its transient
/// dependencies, are then built without an async call once the cached values they read exist.
@inlinable
public func transient<I: Sendable, each D>(
    _ interface: I.Type, _ factory: @escaping @Sendable (repeat __owned each D) throws -> I,
    when condition: Condition? = nil
) -> Provider {
    makeProvider(I.self, Factory(factory), .transient, condition)
}

/// A transient value with a cleanup, run when the resolving scope closes.
@inlinable
public func transient<T: Sendable, each D>(
    _ factory: @escaping @Sendable (repeat __owned each D) async throws -> Finalized<T>, when condition: Condition? = nil
) -> Provider {
    makeProvider(T.self, Factory(factory), .transient, condition)
}

/// The same, for a synchronous function (most initializers): its value, and its transient
/// dependencies, are then built without an async call once the cached values they read exist.
@inlinable
public func transient<T: Sendable, each D>(
    _ factory: @escaping @Sendable (repeat __owned each D) throws -> Finalized<T>, when condition: Condition? = nil
) -> Provider {
    makeProvider(T.self, Factory(factory), .transient, condition)
}

// MARK: object, contextual, many

/// A given instance: `object(settings)`, or bound to an interface: `object(clock, as: (any Clock).self)`.
public func object<T: Sendable>(_ instance: T, as type: T.Type = T.self, when condition: Condition? = nil) -> Provider {
    Provider(
        key: TypeKey(type), lifetime: .object, dependencies: [], implementation: TypeName(Swift.type(of: instance)),
        condition: condition, factory: nil, instance: Box(instance))
}

/// A value supplied through ``ContextValues`` when the app (`.app`) or a request scope (`.request`)
/// is created. Resolving it when it was not supplied is an error naming the type.
public func contextual<T: Sendable>(_ type: T.Type, scope: Scope = .request) -> Provider {
    Provider(
        key: TypeKey(type), lifetime: .context(scope), dependencies: [], implementation: TypeName(type),
        condition: nil, factory: nil)
}

/// A contribution to a multi-binding. Resolve `[I].self` to get every active contribution, from
/// every module, in registration order (modules in start-up order, then declaration order).
///
/// ```swift
/// many((any HealthCheck).self, DatabaseCheck.init)
/// many((any HealthCheck).self, CacheCheck.init)
/// // later: try await container.get([any HealthCheck].self)
/// ```
@inlinable
public func many<I: Sendable, each D>(
    _ interface: I.Type, _ factory: @escaping @Sendable (repeat __owned each D) async throws -> I,
    lifetime: Lifetime = .scoped, when condition: Condition? = nil
) -> Provider {
    many(interface, Factory(factory), lifetime: lifetime, when: condition)
}

/// The same, for a synchronous function (most initializers): its value, and its transient
/// dependencies, are then built without an async call once the cached values they read exist.
@inlinable
public func many<I: Sendable, each D>(
    _ interface: I.Type, _ factory: @escaping @Sendable (repeat __owned each D) throws -> I,
    lifetime: Lifetime = .scoped, when condition: Condition? = nil
) -> Provider {
    many(interface, Factory(factory), lifetime: lifetime, when: condition)
}

/// Several contributions at once: `many((any Plugin).self, Factory(A.init), Factory(B.init))`.
public func many<I: Sendable>(
    _ interface: I.Type, _ factories: Factory<I>..., lifetime: Lifetime = .scoped, when condition: Condition? = nil
) -> [Provider] {
    factories.map { many(interface, $0, lifetime: lifetime, when: condition) }
}

/// A contribution built from a ``Factory``.
public func many<I: Sendable>(
    _ interface: I.Type, _ factory: Factory<I>, lifetime: Lifetime = .scoped, when condition: Condition? = nil
) -> Provider {
    Provider(
        key: TypeKey(interface), lifetime: lifetime, dependencies: factory.dependencies,
        implementation: factory.implementation, condition: condition, factory: factory.make,
        multi: .collection(of: I.self))
}

/// Declares the multi-binding collection `[I]` without contributing to it, so that it resolves
/// to `[]` when no module contributes (and to every active contribution otherwise):
///
/// ```swift
/// many((any Plugin).self)   // try await container.get([any Plugin].self) == []
/// ```
///
/// Without a declaration or a contribution, `[I]` has no provider and resolving or injecting it
/// is an error. Declaring it in several modules is allowed.
public func many<I: Sendable>(_ interface: I.Type) -> Provider {
    Provider(
        key: TypeKey(interface), lifetime: .transient, dependencies: [], implementation: TypeName(literal: "declaration"),
        condition: nil, factory: nil, multi: .collection(of: I.self), declaresCollection: true)
}

extension Provider.MultiBinding {
    /// The collection `[I]`, assembled from its contributions' slots in order.
    static func collection<I: Sendable>(of element: I.Type) -> Provider.MultiBinding {
        Provider.MultiBinding(collection: TypeKey([I].self)) { contributionSlots in
            TypedFactory<[I]> { cursor in
                var values: [I] = []
                values.reserveCapacity(contributionSlots.count)
                for slot in contributionSlots {
                    values.append(try await cursor.container.resolve(slot: slot, as: I.self, in: cursor.graph))
                }
                return values
            }
        }
    }
}

// MARK: Factory-based forms

/// A provider from a prebuilt ``Factory`` with the given lifetime; used by frameworks that
/// register types on a user's behalf (for example `Injectable` handlers).
public func provider<T: Sendable>(_ factory: Factory<T>, lifetime: Lifetime, when condition: Condition? = nil) -> Provider {
    makeProvider(T.self, factory, lifetime, condition)
}

extension Provider {
    /// A provider that is never resolved and only declares that `module`'s code needs
    /// `dependencies`, so start-up validation checks they exist and are visible there.
    /// Frameworks use it for types they resolve dynamically, such as message handlers.
    package static func requirement(_ description: String, dependencies: [TypeKey]) -> Provider {
        let collection = TypeKey(id: ObjectIdentifier(RequirementAnchor.self), name: "requirement")
        return Provider(
            key: collection, lifetime: .transient, dependencies: dependencies, implementation: TypeName(literal: description),
            condition: nil, factory: nil,
            multi: MultiBinding(collection: collection) { _ in TypedFactory<RequirementAnchor> { _ in RequirementAnchor() } })
    }
}

/// Key of the never-resolved requirement collection.
package struct RequirementAnchor: Sendable {}

// MARK: Metatypes instead of functions

// waku takes a class (`singleton(Mailer)`); Swift needs a function to call (`Mailer.init`). These
// overloads only exist so that passing a type fails with a message naming the fix, instead of
// "no exact matches" and a note per overload.

/// Unavailable: pass an initializer, `singleton(Mailer.init)`.
@available(*, unavailable, message: "pass the type's initializer, e.g. `singleton(Mailer.init)`: a provider calls a function, and Swift cannot build a value from its type alone")
public func singleton<T>(_ type: T.Type, when condition: Condition? = nil) -> Provider {
    unusableProvider(type, .singleton)
}

/// Unavailable: pass the implementation's initializer, `singleton((any IMailer).self, Mailer.init)`.
@available(*, unavailable, message: "pass the implementation's initializer, e.g. `singleton((any IMailer).self, SMTPMailer.init)`: a provider calls a function, and Swift cannot build a value from its type alone")
public func singleton<I, T>(_ interface: I.Type, _ implementation: T.Type, when condition: Condition? = nil) -> Provider {
    unusableProvider(interface, .singleton)
}

/// Unavailable: pass an initializer, `scoped(UserService.init)`.
@available(*, unavailable, message: "pass the type's initializer, e.g. `scoped(UserService.init)`: a provider calls a function, and Swift cannot build a value from its type alone")
public func scoped<T>(_ type: T.Type, when condition: Condition? = nil) -> Provider {
    unusableProvider(type, .scoped)
}

/// Unavailable: pass the implementation's initializer, `scoped((any IRepository).self, Repository.init)`.
@available(*, unavailable, message: "pass the implementation's initializer, e.g. `scoped((any IRepository).self, Repository.init)`: a provider calls a function, and Swift cannot build a value from its type alone")
public func scoped<I, T>(_ interface: I.Type, _ implementation: T.Type, when condition: Condition? = nil) -> Provider {
    unusableProvider(interface, .scoped)
}

/// Unavailable: pass an initializer, `transient(RequestID.init)`.
@available(*, unavailable, message: "pass the type's initializer, e.g. `transient(RequestID.init)`: a provider calls a function, and Swift cannot build a value from its type alone")
public func transient<T>(_ type: T.Type, when condition: Condition? = nil) -> Provider {
    unusableProvider(type, .transient)
}

/// Unavailable: pass the implementation's initializer, `transient((any IClock).self, SystemClock.init)`.
@available(*, unavailable, message: "pass the implementation's initializer, e.g. `transient((any IClock).self, SystemClock.init)`: a provider calls a function, and Swift cannot build a value from its type alone")
public func transient<I, T>(_ interface: I.Type, _ implementation: T.Type, when condition: Condition? = nil) -> Provider {
    unusableProvider(interface, .transient)
}

/// Unavailable: pass the contribution's initializer, `many((any Plugin).self, AuditPlugin.init)`.
@available(*, unavailable, message: "pass the contribution's initializer, e.g. `many((any Plugin).self, AuditPlugin.init)`: a provider calls a function, and Swift cannot build a value from its type alone")
public func many<I, T>(_ interface: I.Type, _ implementation: T.Type, lifetime: Lifetime = .scoped, when condition: Condition? = nil) -> Provider {
    unusableProvider(interface, lifetime)
}

/// The body of the unavailable overloads, which cannot be called: a provider without a factory.
private func unusableProvider<T>(_ type: T.Type, _ lifetime: Lifetime) -> Provider {
    Provider(key: TypeKey(type), lifetime: lifetime, dependencies: [], implementation: TypeName(type), condition: nil, factory: nil)
}
