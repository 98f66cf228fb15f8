public import Waku

/// Builds the application `factory` describes and returns the `StartupError` that must stop
/// it: the way to test a misconfiguration.
///
/// ```swift
/// let error = try await startupError(WakuFactory(AppModule()))
/// let missing = try error.issue(of: .missingDependency, involving: (any Mailer).self)
/// #expect(missing.modules == ["NotificationModule"])
/// ```
///
/// Throws ``UnexpectedStartup`` if the application builds, and rethrows any other error.
public func startupError(_ factory: WakuFactory) async throws -> StartupError {
    do {
        _ = try await factory.create()
    } catch let error as StartupError {
        return error
    }
    throw UnexpectedStartup(root: String(describing: type(of: factory.root)))
}

/// An application that a test expected to fail at start-up was built.
public struct UnexpectedStartup: Error, Sendable, CustomStringConvertible {
    /// The root module's type.
    public let root: String
    /// Names the root module that built.
    public var description: String { "Expected a StartupError, but the application with root \(root) was built." }
}

/// No issue, or more than one, matched what `StartupError.issue(of:involving:mentioning:)`
/// asked for.
public struct StartupIssueMismatch: Error, Sendable, CustomStringConvertible {
    /// What was asked for, in words.
    public let wanted: String
    /// The issues that matched.
    public let matches: [StartupIssue]
    /// The whole start-up error.
    public let error: StartupError
    /// What was wanted, how many matched, and the whole start-up error.
    public var description: String {
        "Expected exactly one start-up issue \(wanted), found \(matches.count), in:\n\(error)"
    }
}

/// Matching one issue by the types it is about.
extension StartupIssue {
    /// Whether `type` is one of the issue's `StartupIssue.types`.
    public func involves(_ type: Any.Type) -> Bool {
        let id = ObjectIdentifier(type)
        return types.contains { $0.id == id }
    }
}

/// Finding the issues a test expects by kind, type and message.
extension StartupError {
    /// The issues of `kind` (any kind when `nil`) that involve `type` (see
    /// `StartupIssue.types`) and whose message contains every fragment, in report order.
    public func issues(of kind: StartupIssue.Kind? = nil, involving type: Any.Type? = nil, mentioning fragments: String...)
        -> [StartupIssue]
    {
        matching(kind, type, fragments)
    }

    /// The one issue of `kind` that involves `type` and whose message contains every fragment;
    /// throws ``StartupIssueMismatch`` when there is none, or more than one.
    public func issue(of kind: StartupIssue.Kind? = nil, involving type: Any.Type? = nil, mentioning fragments: String...) throws
        -> StartupIssue
    {
        let matches = matching(kind, type, fragments)
        guard matches.count == 1, let only = matches.first else {
            var wanted: [String] = []
            if let kind { wanted.append("of kind \(kind)") }
            if let type { wanted.append("involving \(type)") }
            if !fragments.isEmpty { wanted.append("mentioning \(fragments.map { "\"\($0)\"" }.joined(separator: ", "))") }
            throw StartupIssueMismatch(wanted: wanted.joined(separator: " "), matches: matches, error: self)
        }
        return only
    }

    private func matching(_ kind: StartupIssue.Kind?, _ type: Any.Type?, _ fragments: [String]) -> [StartupIssue] {
        issues.filter { issue in
            (kind == nil || issue.kind == kind) && (type.map(issue.involves) ?? true)
                && fragments.allSatisfy { issue.message.contains($0) }
        }
    }
}
