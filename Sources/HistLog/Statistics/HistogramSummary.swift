/// One summarised tensor: its histogram, its statistics and the moments they came from
/// (kept so that summaries over the same edges merge exactly).
public struct HistogramSummary: Sendable, Equatable {
    public var histogram: Histogram
    public var statistics: DistributionStatistics
    public var moments: Moments

    public init(histogram: Histogram, statistics: DistributionStatistics, moments: Moments) {
        self.histogram = histogram
        self.statistics = statistics
        self.moments = moments
    }
}
