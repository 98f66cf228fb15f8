extension Duration {
    /// Seconds as a `Double`, for SQL intervals and timestamps.
    package var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
