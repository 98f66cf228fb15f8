import Waku

/// A behavior type listed in a binding or in the config, resolved per dispatch from the scope.
struct BehaviorReference: Sendable {
    let key: TypeKey
    let resolve: @Sendable (Container) async throws -> any IPipelineBehavior
    /// The behavior if the scope can give it without suspending (it is cached, or its factory is
    /// synchronous); `nil` otherwise. A synchronous call spares each dispatch an async frame.
    let resolveNow: @Sendable (Container) throws -> (any IPipelineBehavior)?
    /// The provider to register when no module provides the type and it is ``Injectable``.
    let injectableProvider: Provider?

    init(_ type: any IPipelineBehavior.Type) {
        self = Self.make(type)
    }

    private static func make<B: IPipelineBehavior>(_ type: B.Type) -> BehaviorReference {
        BehaviorReference(
            key: TypeKey(B.self),
            resolve: { container in try await container.get(B.self) },
            resolveNow: { container in try container.getWithoutSuspending(B.self) },
            injectableProvider: WakuMessaging.injectableProvider(for: B.self))
    }

    private init(
        key: TypeKey, resolve: @escaping @Sendable (Container) async throws -> any IPipelineBehavior,
        resolveNow: @escaping @Sendable (Container) throws -> (any IPipelineBehavior)?, injectableProvider: Provider?
    ) {
        self.key = key
        self.resolve = resolve
        self.resolveNow = resolveNow
        self.injectableProvider = injectableProvider
    }
}

/// The request-scoped provider for an ``Injectable`` type, or `nil` if it is not injectable.
func injectableProvider(for type: Any.Type) -> Provider? {
    guard let injectable = type as? any Injectable.Type else { return nil }
    return scopedProvider(injectable)
}

private func scopedProvider<T: Injectable>(_ type: T.Type) -> Provider {
    provider(T.factory, lifetime: .scoped)
}
