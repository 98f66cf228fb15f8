/// How much of the graph ``WakuFactory/create()`` checks, and what it does with the problems.
public enum ValidationMode: Sendable {
    /// Every check: boundaries, missing and captive dependencies, conditional alternatives,
    /// exports, cycles, duplicates. Any problem fails `create()`. The default.
    case strict
    /// Every check runs as in ``strict``, but the problems that ``disabled`` would skip
    /// (boundary, export, missing-dependency, captive-dependency and conditional checks) are
    /// logged as warnings, each with its fix, and the app starts: waku's non-strict validation.
    /// Problems that make the graph impossible to build still fail `create()`, as in every mode.
    case warn
    /// Emergency opt-out: skips the boundary, export, missing-dependency, captive-dependency and
    /// conditional checks, and says so once in a warning. Problems that make the graph
    /// impossible to build (circular imports, dependency cycles, duplicate providers,
    /// conflicting dynamic modules) are still reported, because resolving such a graph would
    /// deadlock or be ambiguous.
    case disabled
}
