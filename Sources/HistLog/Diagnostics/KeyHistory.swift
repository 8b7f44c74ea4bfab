/// The summaries of one key in step order: what the doctor, the run summary and the HTML report
/// read. Build it from a `RunReader` (`RunReader.keyHistories()`) or from summaries in memory.
public struct KeyHistory: Sendable {
    public var key: String
    public var role: TensorRole
    /// Strictly increasing. When a step was logged more than once, only its last record is kept,
    /// as `RunReader.record(key:step:)` does.
    public private(set) var steps: [Int64]
    /// `summaries[i]` was logged at `steps[i]`.
    public private(set) var summaries: [HistogramSummary]
    /// `timestamps[i]` (Unix seconds) of `summaries[i]`; NaN when not known.
    public private(set) var timestamps: [Double]
    /// Records logged under the key, repeated steps included.
    public private(set) var recordCount: Int

    /// Records in the order they were logged (`steps[i]` with `summaries[i]` and `timestamps[i]`);
    /// sorted by step here. Throws `.invalidArgument` when the arrays differ in length.
    public init(key: String, steps: [Int64], summaries: [HistogramSummary], timestamps: [Double]? = nil) throws {
        let timestamps = timestamps ?? Array(repeating: .nan, count: steps.count)
        guard steps.count == summaries.count, timestamps.count == steps.count else {
            throw HistlogError.invalidArgument(
                "steps, summaries and timestamps must have the same length, got \(steps.count), \(summaries.count) and \(timestamps.count)")
        }
        self.key = key
        self.role = TensorRole(key: key)
        self.recordCount = steps.count
        // Stable sort by step, then keep the last record of each step.
        let order = steps.indices.sorted { (steps[$0], $0) < (steps[$1], $1) }
        var keptSteps: [Int64] = []
        var keptSummaries: [HistogramSummary] = []
        var keptTimestamps: [Double] = []
        keptSteps.reserveCapacity(order.count)
        keptSummaries.reserveCapacity(order.count)
        keptTimestamps.reserveCapacity(order.count)
        for index in order {
            if keptSteps.last == steps[index] {
                keptSummaries[keptSummaries.count - 1] = summaries[index]
                keptTimestamps[keptTimestamps.count - 1] = timestamps[index]
            } else {
                keptSteps.append(steps[index])
                keptSummaries.append(summaries[index])
                keptTimestamps.append(timestamps[index])
            }
        }
        self.steps = keptSteps
        self.summaries = keptSummaries
        self.timestamps = keptTimestamps
    }

    public var isEmpty: Bool { steps.isEmpty }
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
