/// Values supplied from outside the graph when the app or a request scope is created.
///
/// A provider declared with ``contextual(_:scope:)`` reads its value from here:
///
/// ```swift
/// let app = try await WakuFactory(AppModule(), context: ContextValues(Environment.production)).create()
/// try await app.withContainer(context: ContextValues(request)) { container in … }
/// ```
public struct ContextValues: Sendable {
    var storage: [ObjectIdentifier: AnyBox] = [:]

    /// Creates empty context values.
    public init() {}

    /// Creates context values from the given values, each keyed by its static type.
    public init<each V: Sendable>(_ values: repeat each V) {
        repeat set(each values)
    }

    /// Stores `value` under `type`, which may be a protocol: `set(request, as: (any HTTPRequest).self)`.
    public mutating func set<T: Sendable>(_ value: T, as type: T.Type = T.self) {
        storage[ObjectIdentifier(type)] = Box(value)
    }

    /// Returns a copy with `value` stored under `type`.
    public func with<T: Sendable>(_ value: T, as type: T.Type = T.self) -> ContextValues {
        var copy = self
        copy.set(value, as: type)
        return copy
    }

    /// The value stored under `type`, or `nil`; setting `nil` removes it.
    public subscript<T: Sendable>(_ type: T.Type) -> T? {
        get { (storage[ObjectIdentifier(type)] as? Box<T>)?.value }
        set {
            if let newValue { set(newValue, as: type) } else { storage[ObjectIdentifier(type)] = nil }
        }
    }

    /// Whether a value is stored under `type`.
    public func contains<T>(_ type: T.Type) -> Bool { storage[ObjectIdentifier(type)] != nil }

    /// Whether no value is stored.
    public var isEmpty: Bool { storage.isEmpty }

    func box(for id: ObjectIdentifier) -> AnyBox? { storage[id] }

    /// Merges `other` over `self`.
    func merging(_ other: ContextValues) -> ContextValues {
        guard !other.isEmpty else { return self }
        var copy = self
        copy.storage.merge(other.storage) { _, new in new }
        return copy
    }
}
