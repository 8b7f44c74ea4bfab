/// A histogram in TensorBoard's legacy form (`HistogramProto` in
/// tensorboard/compat/proto/histogram.proto), as `torch.utils.tensorboard`'s `add_histogram_raw`
/// takes it: bucket i holds `bucketCounts[i]` values in `(bucketLimits[i - 1], bucketLimits[i]]`,
/// the first bucket reaching down to -DBL_MAX. TensorBoard draws the outer non-empty buckets
/// from `min` and up to `max`, and shows `num`, `sum` and `sumSquares` as given.
///
/// `HistogramLogger.log(key:step:tensorBoardHistogram:timestamp:)` writes these fields to the
/// event file exactly as given — `num` need not be the buckets' total, as in TensorBoard — and
/// records in the run's JSON what the buckets say (`bins()`).
public struct TensorBoardHistogram: Sendable, Equatable {
    public var min: Double
    public var max: Double
    public var num: Double
    public var sum: Double
    public var sumSquares: Double
    public var bucketLimits: [Double]
    public var bucketCounts: [Double]

    public init(min: Double, max: Double, num: Double, sum: Double, sumSquares: Double, bucketLimits: [Double], bucketCounts: [Double]) {
        self.min = min
        self.max = max
        self.num = num
        self.sum = sum
        self.sumSquares = sumSquares
        self.bucketLimits = bucketLimits
        self.bucketCounts = bucketCounts
    }

    /// What a caller may pass: equal lengths, finite and strictly increasing limits, finite
    /// counts >= 0, finite `min`, `max`, `num`, `sum` and `sumSquares`. Nothing else is checked:
    /// `num` may disagree with the counts, `min` and `max` with the limits.
    func validate() throws(HistlogError) {
        guard bucketLimits.count == bucketCounts.count else {
            throw .invalidArgument(
                "\(argument: "bucketLimits") and \(argument: "bucketCounts") must have the same length, got \(bucketLimits.count) and \(bucketCounts.count)")
        }
        for (name, value) in [("min", min), ("max", max), ("num", num), ("sum", sum), ("sumSquares", sumSquares)] where !value.isFinite {
            throw .invalidArgument("\(argument: name) must be finite, got \(value)")
        }
        for (index, limit) in bucketLimits.enumerated() {
            guard limit.isFinite else { throw .invalidArgument("\(argument: "bucketLimits")[\(index)] must be finite, got \(limit)") }
            if index > 0, !(bucketLimits[index - 1] < limit) {
                throw .invalidArgument(
                    "\(argument: "bucketLimits") must be strictly increasing, got \(bucketLimits[index - 1]) then \(limit) at index \(index)")
            }
        }
        for (index, count) in bucketCounts.enumerated() where !(count.isFinite && count >= 0) {
            throw .invalidArgument("\(argument: "bucketCounts")[\(index)] must be finite and >= 0, got \(count)")
        }
    }

    /// The buckets as bins, the way TensorBoard reads them: empty buckets at both ends are
    /// dropped; a kept bucket spans (previous limit, limit]; the first kept bucket starts at the
    /// previous limit when there is one, else at `min`, and the last ends at its limit, or at
    /// `max` when that limit is unbounded (±DBL_MAX). Outer edges that meet their neighbour
    /// (one repeated value) are widened by 0.5, as numpy widens an all-equal range. No
    /// non-empty bucket: one empty bin from `min` to `max`.
    public func bins() -> (edges: [Double], counts: [Double]) {
        func bounded(_ value: Double) -> Bool { value.isFinite && Swift.abs(value) < .greatestFiniteMagnitude }
        guard bucketLimits.count == bucketCounts.count,
              let start = bucketCounts.firstIndex(where: { $0 > 0 }), let end = bucketCounts.lastIndex(where: { $0 > 0 }) else {
            let (low, high) = (Swift.min(min, max), Swift.max(min, max))
            return (low < high ? [low, high] : [low - 0.5, low + 0.5], [0])
        }
        let left = start > 0 && bounded(bucketLimits[start - 1]) ? bucketLimits[start - 1] : min
        let right = bounded(bucketLimits[end]) ? bucketLimits[end] : max
        return Self.widened([left] + bucketLimits[start..<end] + [right], Array(bucketCounts[start...end]))
    }

    /// Makes outer edges that coincide with their neighbour half a unit wide.
    static func widened(_ edges: [Double], _ counts: [Double]) -> (edges: [Double], counts: [Double]) {
        var edges = edges
        if edges.count >= 2, edges[0] >= edges[1] { edges[0] = edges[1] - 0.5 }
        if edges.count >= 2, edges[edges.count - 1] <= edges[edges.count - 2] { edges[edges.count - 1] = edges[edges.count - 2] + 0.5 }
        return (edges, counts)
    }
}
