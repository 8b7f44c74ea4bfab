/// What a caller asked of raw values: every statistic (`HistogramSummary`, three streaming
/// passes) or the histogram alone (`ValueHistogram`, two). The engine chooses the path, so that
/// `hl_compute_*` with no statistics buffer, `hl_histogram_*` and `histlog.histogram` share it.
///
///     let summary = try ValueSummary(values: buffer, bins: BinConfig(bins: 30), statistics: false)
///     print(summary.histogram.histogram.counts)   // the same counts as with statistics: true
public struct ValueSummary: Sendable, Equatable {
    /// The histogram, the extremes and the special counts: on both paths.
    public var histogram: ValueHistogram
    /// Every statistic; nil when they were not asked for.
    public var statistics: HistogramSummary?

    public init(histogram: ValueHistogram, statistics: HistogramSummary?) {
        self.histogram = histogram
        self.statistics = statistics
    }

    /// Throws `HistlogError.invalidArgument` for bin or statistics options out of range; the
    /// statistics options are checked even when `statistics` is false, so that one configuration
    /// is accepted or refused alike on both paths.
    public init(values: UnsafeBufferPointer<Float>, bins: BinConfig = BinConfig(), options: StatisticsOptions = StatisticsOptions(), statistics: Bool) throws {
        self = try Self.summarize(ValueStream(values), bins: bins, options: options, statistics: statistics)
    }

    /// As the `Float` form, for `Double` values.
    public init(values: UnsafeBufferPointer<Double>, bins: BinConfig = BinConfig(), options: StatisticsOptions = StatisticsOptions(), statistics: Bool) throws {
        self = try Self.summarize(ValueStream(values), bins: bins, options: options, statistics: statistics)
    }

    /// As the `Float` form, for bfloat16 values read in place and widened block by block.
    public init(values: UnsafeBufferPointer<BFloat16>, bins: BinConfig = BinConfig(), options: StatisticsOptions = StatisticsOptions(), statistics: Bool) throws {
        self = try Self.summarize(ValueStream(values), bins: bins, options: options, statistics: statistics)
    }

    private static func summarize<T: EngineFloat>(
        _ values: ValueStream<T>, bins: BinConfig, options: StatisticsOptions, statistics: Bool
    ) throws -> ValueSummary {
        guard statistics else {
            try options.validate()
            return ValueSummary(histogram: try ValueSummarizer.histogram(values, bins: bins), statistics: nil)
        }
        let summary = try ValueSummarizer.summarize(values, bins: bins, options: options)
        let statistics = summary.statistics
        let histogram = ValueHistogram(
            histogram: summary.histogram, totalCount: statistics.totalCount, nanCount: statistics.nanCount,
            infCount: statistics.infCount, min: statistics.min, max: statistics.max)
        return ValueSummary(histogram: histogram, statistics: summary)
    }
}
