/// One named benchmark.
struct Scenario {
    let name: String
    /// The scenario this one's median is divided by (`ratio`), measured in the same run.
    let baseline: String?
    /// A second reference printed beside the ratio (e.g. Swinject for a `di.*` scenario).
    let competitor: String?
    let run: (Plans, Sink) async throws -> Measurement

    init(
        _ name: String, baseline: String? = nil, competitor: String? = nil,
        _ run: @escaping (Plans, Sink) async throws -> Measurement
    ) {
        self.name = name
        self.baseline = baseline
        self.competitor = competitor
        self.run = run
    }
}

/// One row of the report and of the JSON array.
struct ScenarioResult {
    let name: String
    let unit: MeasureUnit
    let median: Double?
    let p50: Double?
    let p99: Double?
    let iterations: Int
    var baseline: String?
    var ratio: Double?
    var competitor: String?
    var competitorRatio: Double?
    /// The matching Python peer scenario (`python.<name>`), with `--peers`.
    var peer: String?
    var peerRatio: Double?
    var note: String?
    /// Why the scenario did not run (``ScenarioSkipped``); its numbers are then `nil`.
    var skipped: String?
    /// The target for this scenario (``Targets``), and whether this run met it.
    var target: String?
    var targetStatus: Targets.Status?
    /// The PostgreSQL server's durability settings, on rows that ran on it.
    var postgres: PostgresServerSettings?
    var isPeer: Bool { name.hasPrefix(PythonPeer.prefix) }

    init(
        name: String, unit: MeasureUnit, median: Double?, p50: Double?, p99: Double?, iterations: Int,
        baseline: String?, competitor: String?, note: String?
    ) {
        self.name = name
        self.unit = unit
        self.median = median
        self.p50 = p50
        self.p99 = p99
        self.iterations = iterations
        self.baseline = baseline
        self.competitor = competitor
        self.note = note
    }
}

/// `mine / theirs` of two medians in the same unit: for ns/op and B/msg < 1 means better, for
/// msg/s > 1 means faster. `nil` when either is missing.
func medianRatio(_ mine: Double?, _ theirs: Double?) -> Double? {
    guard let mine, let theirs, theirs > 0, mine.isFinite, theirs.isFinite else { return nil }
    return mine / theirs
}
