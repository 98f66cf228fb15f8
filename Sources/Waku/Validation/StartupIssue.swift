/// One problem found at start-up. Each names what is wrong, where, and how to fix it.
public struct StartupIssue: Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem a ``StartupIssue`` is; tests match on it, extensions may define their
    /// own.
    public struct Kind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The kind's readable name, such as `missing dependency`.
        public let rawValue: String
        /// A kind named `rawValue`; extensions define theirs as static constants.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The kind's ``rawValue``.
        public var description: String { rawValue }

        /// Modules import each other in a cycle.
        public static let circularImport = Kind(rawValue: "circular import")
        /// A module exports a type it neither provides nor gets from an import, or re-exports a
        /// module it does not import.
        public static let invalidExport = Kind(rawValue: "invalid export")
        /// One type has two active providers that can be seen together, or a provider beside `many`
        /// contributions to it.
        public static let duplicateProvider = Kind(rawValue: "duplicate provider")
        /// One dynamic module is imported with two different configurations, or beside its static
        /// parent.
        public static let dynamicModuleConflict = Kind(rawValue: "dynamic module conflict")
        /// A provider depends on a type that no active provider provides.
        public static let missingDependency = Kind(rawValue: "missing dependency")
        /// A provider depends on a type that exists but is not visible to its module.
        public static let boundaryViolation = Kind(rawValue: "boundary violation")
        /// A singleton depends on a scoped, transient or request-context value, which it would
        /// capture for the whole app.
        public static let captiveDependency = Kind(rawValue: "captive dependency")
        /// Providers depend on each other in a cycle.
        public static let dependencyCycle = Kind(rawValue: "dependency cycle")
        /// Conditional alternatives for one type leave none, or more than one, active.
        public static let conditionalProviders = Kind(rawValue: "conditional providers")
        /// A configure or registration extension threw.
        public static let extensionFailure = Kind(rawValue: "extension failure")
        /// A message binding problem reported by `WakuMessaging`, such as two handlers for one
        /// request or a handler that cannot be resolved.
        public static let messaging = Kind(rawValue: "messaging")
        /// A routing or endpoint problem reported by `WakuMessaging`, such as an endpoint
        /// configured twice or a durable route without a store.
        public static let routing = Kind(rawValue: "routing")
    }

    /// What kind of problem this is.
    public let kind: Kind
    /// What is wrong.
    public let message: String
    /// The modules involved, by name.
    public let modules: [String]
    /// The provider or type involved, if any.
    public let subject: String?
    /// How to fix it.
    public let fix: String
    /// The types involved, for an issue about types: the subject's first, then the others the
    /// message names (a missing, hidden or captive dependency; the rest of a cycle). Empty when
    /// the subject is not a type (a module, an endpoint), so tests can match issues by type.
    public private(set) var types: [TypeKey] = []

    /// Creates an issue; extensions report theirs through ``ModuleRegistry/report(_:)``.
    public init(kind: Kind, message: String, modules: [String], subject: String? = nil, fix: String) {
        self.kind = kind
        self.message = message
        self.modules = modules
        self.subject = subject
        self.fix = fix
    }

    /// An issue about `types`; ``subject`` is the first one's name unless given.
    public init(kind: Kind, message: String, modules: [String], subject: String? = nil, types: [TypeKey], fix: String) {
        self.init(kind: kind, message: message, modules: modules, subject: subject ?? types.first?.name, fix: fix)
        self.types = types
    }

    /// `[<kind>] <message>`, with the fix on the next line.
    public var description: String {
        "[\(kind)] \(message)\n    fix: \(fix)"
    }
}
