/// One key's records in step order: what the doctor, the run summary and the HTML report read.
/// The statistics of every step are in memory (a few hundred bytes a step); the histograms
/// (bins and moments) are read again when asked for (`summary(at:)`), so a key of a run on disk
/// costs memory for its statistics only. Build it from a run (`init(reader:key:)`) or from
/// summaries in memory.
public struct KeyHistory: Sendable {
    public var key: String
    public var role: TensorRole
    /// Strictly increasing. When a step was logged more than once, only its last record is kept,
    /// as `RunReader.record(key:step:)` does.
    public private(set) var steps: [Int64]
    /// `statistics[i]` of the record kept at `steps[i]`.
    public private(set) var statistics: [DistributionStatistics]
    /// `timestamps[i]` (Unix seconds) of the record kept at `steps[i]`; NaN when not known.
    public private(set) var timestamps: [Double]
    /// Records logged under the key, repeated steps included.
    public private(set) var recordCount: Int
    private var summaries: Summaries

    /// Where `summary(at:)` finds the kept summaries.
    private enum Summaries: Sendable {
        case memory([HistogramSummary])
        case run(RunReader, [RunReader.RecordEntry])
    }

    /// Records in the order they were logged (`steps[i]` with `summaries[i]` and `timestamps[i]`);
    /// sorted by step here. Throws `.invalidArgument` when the arrays differ in length.
    public init(key: String, steps: [Int64], summaries: [HistogramSummary], timestamps: [Double]? = nil) throws {
        let timestamps = timestamps ?? Array(repeating: .nan, count: steps.count)
        guard steps.count == summaries.count, timestamps.count == steps.count else {
            throw HistlogError.invalidArgument(
                "steps, summaries and timestamps must have the same length, got \(steps.count), \(summaries.count) and \(timestamps.count)")
        }
        let kept = Self.kept(steps) ?? Array(steps.indices)
        self.key = key
        self.role = TensorRole(key: key)
        self.recordCount = steps.count
        self.steps = kept.map { steps[$0] }
        self.statistics = kept.map { summaries[$0].statistics }
        self.timestamps = kept.map { timestamps[$0] }
        self.summaries = .memory(kept.map { summaries[$0] })
    }

    /// The history of `key` in `reader`, its records read one at a time: their statistics are
    /// kept, their histograms read again by `summary(at:)`.
    public init(reader: RunReader, key: String) throws {
        var steps: [Int64] = []
        var statistics: [DistributionStatistics] = []
        var timestamps: [Double] = []
        var entries: [RunReader.RecordEntry] = []
        try reader.scan(key: key) { record, entry in
            steps.append(record.step)
            statistics.append(record.summary.statistics)
            timestamps.append(record.timestamp)
            entries.append(entry)
        }
        self.key = key
        self.role = TensorRole(key: key)
        self.recordCount = steps.count
        if let kept = Self.kept(steps) {

            self.steps = kept.map { steps[$0] }
            self.statistics = kept.map { statistics[$0] }
            self.timestamps = kept.map { timestamps[$0] }
            self.summaries = .run(reader, kept.map { entries[$0] })
        } else {
            self.steps = steps
            self.statistics = statistics
            self.timestamps = timestamps
            self.summaries = .run(reader, entries)
        }
    }

    /// The history of `key` from its records in logged order (`RunReader.history(key:)`).
    public init(key: String, records: [HistogramRecord]) throws {
        try self.init(key: key, steps: records.map(\.step), summaries: records.map(\.summary), timestamps: records.map(\.timestamp))
    }

    public var isEmpty: Bool { steps.isEmpty }

    /// The summary (histogram, statistics and moments) kept at `steps[index]`.
    public func summary(at index: Int) throws -> HistogramSummary {
        guard index >= 0, index < steps.count else {
            throw HistlogError.invalidArgument("index must be in 0..<\(steps.count), got \(index)")
        }
        switch summaries {
        case .memory(let summaries): return summaries[index]
        case .run(let reader, let entries): return try reader.record(entries[index], key: key).summary
        }
    }

    /// Positions of the records to keep, in step order: a stable sort by step keeping the last
    /// record of each step; nil when the steps already increase (every record, in order).
    private static func kept(_ steps: [Int64]) -> [Int]? {
        if zip(steps, steps.dropFirst()).allSatisfy({ $0 < $1 }) { return nil }
        let order = steps.indices.sorted { (steps[$0], $0) < (steps[$1], $1) }
        var kept: [Int] = []
        kept.reserveCapacity(order.count)
        for index in order {
            if let last = kept.last, steps[last] == steps[index] {
                kept[kept.count - 1] = index
            } else {
                kept.append(index)
            }
        }
        return kept
    }
}

extension DistributionStatistics {
    /// Root mean square of the finite values, `sqrt(sumOfSquares / totalCount)`: the scale the
    /// doctor follows for gradients (for a gradient tensor, its L2 norm divided by `sqrt(n)`, so
    /// layers of different sizes compare). nil when there is no finite value or the sum is not finite.
    public var rootMeanSquare: Double? {
        guard totalCount > 0, sumOfSquares.isFinite, sumOfSquares >= 0 else { return nil }
        return (sumOfSquares / Double(totalCount)).squareRoot()
    }

    /// `max(|min|, |max|)`; nil when there is no finite value.
    public var maxAbsolute: Double? {
        guard totalCount > 0, min.isFinite, max.isFinite else { return nil }
        return Swift.max(Swift.abs(min), Swift.abs(max))
    }

    /// `zeroCount / totalCount`; nil when the zero count is unknown (a pre-computed histogram)
    /// or there is no finite value.
    public var zeroFraction: Double? {
        guard let zeros = zeroCount, totalCount > 0 else { return nil }
        return Double(zeros) / Double(totalCount)
    }
}
