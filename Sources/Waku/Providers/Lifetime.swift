/// How long a provided value lives, and so where it is cached.
public enum Lifetime: Sendable, Hashable, CustomStringConvertible {
    /// One instance for the whole application (app scope). waku: `singleton`.
    case singleton
    /// One instance per request scope. waku: `scoped`.
    case scoped
    /// A new instance on every resolution, owned by the scope that resolved it. waku: `transient`.
    case transient
    /// A value given at registration. waku: `object`.
    case object
    /// A value supplied when the app (``Scope/app``) or a request scope (``Scope/request``) is created.
    /// waku: `contextual`.
    case context(Scope)

    /// The helper's name: `singleton`, `scoped`, `transient`, `object` or `contextual(<scope>)`.
    public var description: String {
        switch self {
        case .singleton: "singleton"
        case .scoped: "scoped"
        case .transient: "transient"
        case .object: "object"
        case .context(let scope): "contextual(\(scope))"
        }
    }

    /// The scope that owns instances of this lifetime; `nil` when the resolving scope owns them.
    var owningScope: Scope? {
        switch self {
        case .singleton, .object, .context(.app): .app
        case .scoped, .context(.request): .request
        case .transient: nil
        }
    }
}
