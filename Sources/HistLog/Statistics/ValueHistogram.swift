/// The histogram of raw values and the counts that describe them, without the statistics: what
/// TensorBoard keeps (edges, counts, extremes, totals), for callers who want nothing more.
///
/// The edges and counts are those of `HistogramSummary(values:bins:)` (numpy's rule, NaN and ±Inf
/// counted, never binned), computed in two streaming passes instead of three: the extremes and
/// special counts, then the counts. Moments, quantiles, zero and outlier counts are not computed.
///
///     let h = try ValueHistogram(values: buffer, bins: BinConfig(bins: 30))
///     print(h.histogram.counts, h.min, h.max, h.nanCount)
public struct ValueHistogram: Sendable, Equatable {
    /// Edges, counts, and the finite values outside the edges (`underflow`, `overflow`).
    public var histogram: Histogram
    /// Finite values: binned + underflow + overflow.
    public var totalCount: Int
    public var nanCount: Int
    /// +Inf and -Inf.
    public var infCount: Int
    /// Smallest and largest finite value; NaN when `totalCount == 0`.
    public var min: Double
    public var max: Double

    public init(histogram: Histogram, totalCount: Int, nanCount: Int, infCount: Int, min: Double, max: Double) {
        self.histogram = histogram
        self.totalCount = totalCount
        self.nanCount = nanCount
        self.infCount = infCount
        self.min = min
        self.max = max
    }

    /// Throws `HistlogError.invalidArgument` for bin options out of range. The buffer is read in
    /// place during the call and not kept. (`hl_histogram_f32` in `Include/histlog.h`.)
    public init(values: UnsafeBufferPointer<Float>, bins: BinConfig = BinConfig()) throws {
        self = try ValueSummarizer.histogram(ValueStream(values), bins: bins)
    }

    /// As the `Float` form, for `Double` values (`hl_histogram_f64`).
    public init(values: UnsafeBufferPointer<Double>, bins: BinConfig = BinConfig()) throws {
        self = try ValueSummarizer.histogram(ValueStream(values), bins: bins)
    }

    /// As the `Float` form, for bfloat16 values read in place (`hl_histogram_bf16`).
    public init(values: UnsafeBufferPointer<BFloat16>, bins: BinConfig = BinConfig()) throws {
        self = try ValueSummarizer.histogram(ValueStream(values), bins: bins)
    }
}
