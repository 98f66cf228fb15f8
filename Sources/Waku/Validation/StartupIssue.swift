/// One problem found at start-up. Each names what is wrong, where, and how to fix it.
public struct StartupIssue: Sendable, Hashable, CustomStringConvertible {
    public struct Kind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let circularImport = Kind(rawValue: "circular import")
        public static let invalidExport = Kind(rawValue: "invalid export")
        public static let duplicateProvider = Kind(rawValue: "duplicate provider")
        public static let dynamicModuleConflict = Kind(rawValue: "dynamic module conflict")
        public static let missingDependency = Kind(rawValue: "missing dependency")
        public static let boundaryViolation = Kind(rawValue: "boundary violation")
        public static let captiveDependency = Kind(rawValue: "captive dependency")
        public static let dependencyCycle = Kind(rawValue: "dependency cycle")
        public static let conditionalProviders = Kind(rawValue: "conditional providers")
        public static let extensionFailure = Kind(rawValue: "extension failure")
        public static let messaging = Kind(rawValue: "messaging")
        public static let routing = Kind(rawValue: "routing")
    }

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

    public var description: String {
        "[\(kind)] \(message)\n    fix: \(fix)"
    }
}
