/// Every problem found while building the application, reported together.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    /// Every problem found, in the order start-up found them.
    public let issues: [StartupIssue]

    /// Creates the error from the problems found.
    public init(issues: [StartupIssue]) { self.issues = issues }

    /// Issues of one kind.
    public func issues(of kind: StartupIssue.Kind) -> [StartupIssue] { issues.filter { $0.kind == kind } }

    /// A header with the number of problems, then each problem on its own numbered line.
    public var description: String {
        let count = issues.count
        let header = "Waku start-up failed with \(count) problem\(count == 1 ? "" : "s"):"
        let body = issues.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n")
        return header + "\n" + body
    }
}
