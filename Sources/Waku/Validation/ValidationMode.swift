/// How much of the graph ``WakuFactory/create()`` checks.
public enum ValidationMode: Sendable {
    /// Every check: boundaries, missing and captive dependencies, conditional alternatives,
    /// exports, cycles, duplicates. The default.
    case strict
    /// Emergency opt-out: skips the boundary, export, missing-dependency, captive-dependency and
    /// conditional checks. Problems that make the graph impossible to build (circular imports,
    /// dependency cycles, duplicate providers, conflicting dynamic modules) are still reported,
    /// because resolving such a graph would deadlock or be ambiguous.
    case disabled
}
