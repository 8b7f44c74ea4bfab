/// What a run summary says about one key: how much was logged and its latest distribution.
/// `histlog summary`, `hl_summary_text` and the HTML report's statistics show these fields.
public struct KeyOverview: Sendable {
    public var key: String
    public var role: TensorRole
    /// Distinct logged steps.
    public var stepCount: Int
    /// Records logged, repeated steps included.
    public var recordCount: Int
    public var firstStep: Int64
    public var lastStep: Int64
    /// The summary logged at `lastStep`.
    public var latest: HistogramSummary
    /// Logged steps whose record holds NaN or ±Inf values.
    public var nonFiniteStepCount: Int
    /// The first of those steps.
    public var firstNonFiniteStep: Int64?

    /// nil for a history without records. Reads the latest histogram of a history on disk.
    public init?(_ history: KeyHistory) throws {
        guard let first = history.steps.first, let last = history.steps.last else { return nil }
        let latest = try history.summary(at: history.steps.count - 1)
        key = history.key
        role = history.role
        stepCount = history.steps.count
        recordCount = history.recordCount
        firstStep = first
        lastStep = last
        self.latest = latest
        let nonFinite = history.statistics.indices.filter {
            history.statistics[$0].nanCount > 0 || history.statistics[$0].infCount > 0
        }
        nonFiniteStepCount = nonFinite.count
        firstNonFiniteStep = nonFinite.first.map { history.steps[$0] }
    }
}
