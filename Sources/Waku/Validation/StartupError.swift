/// Every problem found while building the application, reported together.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public let issues: [StartupIssue]

    public init(issues: [StartupIssue]) { self.issues = issues }

    /// Issues of one kind.
    public func issues(of kind: StartupIssue.Kind) -> [StartupIssue] { issues.filter { $0.kind == kind } }

    public var description: String {
        let count = issues.count
        let header = "Waku start-up failed with \(count) problem\(count == 1 ? "" : "s"):"
        let body = issues.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n")
        return header + "\n" + body
    }
}
