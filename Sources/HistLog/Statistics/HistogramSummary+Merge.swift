extension HistogramSummary {
    /// The summary of the union of the values of `self` and `other`, which must share their edges
    /// exactly. Counts, underflow, overflow and the NaN/Inf/zero counts add (`zeroCount` is nil if
    /// either is unknown); moments combine exactly (`Moments.combined`), so count, mean, std,
    /// skewness, kurtosis, min and max are those of the union. Quantiles and the outlier count are
    /// estimated from the merged bins and marked as such; estimated flags of either side carry over.
    public func merged(with other: HistogramSummary) throws -> HistogramSummary {
        guard histogram.edges == other.histogram.edges else {
            throw HistlogError.invalidArgument(
                "merged(with:) needs identical edges, got \(histogram.edges.count) edges [\(histogram.edges.first ?? .nan) ... \(histogram.edges.last ?? .nan)] and \(other.histogram.edges.count) edges [\(other.histogram.edges.first ?? .nan) ... \(other.histogram.edges.last ?? .nan)]")
        }
        guard statistics.outlierThreshold == other.statistics.outlierThreshold else {
            throw HistlogError.invalidArgument(
                "merged(with:) needs the same outlierThreshold, got \(statistics.outlierThreshold) and \(other.statistics.outlierThreshold)")
        }
        let moments = self.moments.combined(with: other.moments)
        let histogram = Histogram(
            edges: histogram.edges,
            counts: zip(histogram.counts, other.histogram.counts).map { $0 + $1 },
            underflow: histogram.underflow &+ other.histogram.underflow,
            overflow: histogram.overflow &+ other.histogram.overflow)
        var zeroCount: Int? = nil
        if let a = statistics.zeroCount, let b = other.statistics.zeroCount { zeroCount = a &+ b }
        let estimates = BinnedEstimates(histogram: histogram, min: moments.min, max: moments.max)
        let options = StatisticsOptions(outlierThreshold: statistics.outlierThreshold)
        var merged = Self.statistics(
            moments: moments, total: estimates.total, estimates: estimates, zeroCount: zeroCount,
            nanCount: statistics.nanCount &+ other.statistics.nanCount, infCount: statistics.infCount &+ other.statistics.infCount,
            options: options, estimated: statistics.estimated.union(other.statistics.estimated).union([.quantiles, .outliers]))
        if moments.count > 0 && !merged.estimated.contains(.moments) {
            merged.sum = statistics.sum + other.statistics.sum
        }
        return HistogramSummary(histogram: histogram, statistics: merged, moments: moments)
    }
}
