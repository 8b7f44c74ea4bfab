/// One logged histogram: what a run stores per `log` call, and what a reader gives back.
public struct HistogramRecord: Sendable, Equatable {
    /// The key exactly as logged (`"weights/layer1"`); files store it as `name`.
    public var key: String
    public var step: Int64
    /// Unix seconds (fractions allowed).
    public var timestamp: Double
    public var summary: HistogramSummary
    /// A histogram logged in TensorBoard's form: the event file gets it as given, the JSON file
    /// gets `summary` (what its buckets say). nil for every other record, and in records read back.
    public var tensorBoard: TensorBoardHistogram?

    public init(key: String, step: Int64, timestamp: Double, summary: HistogramSummary, tensorBoard: TensorBoardHistogram? = nil) {
        self.key = key
        self.step = step
        self.timestamp = timestamp
        self.summary = summary
        self.tensorBoard = tensorBoard
    }
}
