extension HistogramSummary {
    /// The histogram and exact statistics of raw values (see `DistributionStatistics` for the
    /// conventions). NaN and ±Inf are counted, never binned; no finite value gives `totalCount`
    /// 0 and NaN statistics. The buffer is read in place during the call and not kept.
    ///
    /// Throws `HistlogError.invalidArgument` for bin or statistics options out of range.
    /// Complexity: three streaming passes over the values (`ValueSummarizer`).
    public init(values: UnsafeBufferPointer<Float>, bins: BinConfig = BinConfig(), options: StatisticsOptions = StatisticsOptions()) throws {
        self = try ValueSummarizer.summarize(ValueStream(values), bins: bins, options: options)
    }

    /// As the `Float` form, for `Double` values.
    public init(values: UnsafeBufferPointer<Double>, bins: BinConfig = BinConfig(), options: StatisticsOptions = StatisticsOptions()) throws {
        self = try ValueSummarizer.summarize(ValueStream(values), bins: bins, options: options)
    }

    /// As the `Float` form, for bfloat16 values read in place: the statistics of their exact `Float` values.
    public init(values: UnsafeBufferPointer<BFloat16>, bins: BinConfig = BinConfig(), options: StatisticsOptions = StatisticsOptions()) throws {
        self = try ValueSummarizer.summarize(ValueStream(values), bins: bins, options: options)
    }

    /// As the buffer form.
    public init(values: [Float], bins: BinConfig = BinConfig(), options: StatisticsOptions = StatisticsOptions()) throws {
        self = try values.withUnsafeBufferPointer { try ValueSummarizer.summarize(ValueStream($0), bins: bins, options: options) }
    }

    /// As the buffer form.
    public init(values: [Double], bins: BinConfig = BinConfig(), options: StatisticsOptions = StatisticsOptions()) throws {
        self = try values.withUnsafeBufferPointer { try ValueSummarizer.summarize(ValueStream($0), bins: bins, options: options) }
    }

    /// A pre-computed histogram: `edges` (finite, strictly increasing, `counts.count + 1` of them)
    /// and `counts` (finite, >= 0, at least one bin). Everything but the counts is estimated from
    /// the bins (`BinnedEstimates`): moments from the mid-points, quantiles by linear interpolation
    /// within a bin, outliers from the bins beyond `mean ± k·std`; min and max are the outer edges;
    /// `zeroCount` is nil. `estimated = [.moments, .quantiles, .outliers, .extremes]`.
    public init(edges: [Double], counts: [Double], options: StatisticsOptions = StatisticsOptions()) throws {
        try Self.validate(edges: edges, counts: counts)
        try options.validate()
        let histogram = Histogram(edges: edges, counts: counts)
        let estimates = BinnedEstimates(histogram: histogram, min: edges[0], max: edges[edges.count - 1])
        var moments = estimates.midpointMoments(min: edges[0], max: edges[edges.count - 1])
        if estimates.total == 0 { moments = .empty }
        self.init(
            histogram: histogram,
            statistics: Self.statistics(
                moments: moments, total: estimates.total, estimates: estimates, zeroCount: nil, nanCount: 0, infCount: 0,
                options: options, estimated: [.moments, .quantiles, .outliers, .extremes]),
            moments: moments)
    }

    /// A histogram reduced elsewhere (other ranks, a GPU) with its exact moments, extremes and
    /// special counts. Moments, min, max, zero/NaN/Inf counts are exact; quantiles and the outlier
    /// count are estimated from the bins, clamped to `[moments.min, moments.max]`.
    /// `estimated = [.quantiles, .outliers]`.
    public init(
        edges: [Double], counts: [Double], moments: Moments, zeroCount: Int?, nanCount: Int, infCount: Int,
        options: StatisticsOptions = StatisticsOptions()
    ) throws {
        // Without under/overflow counts, bins that hold fewer values than moments.count are accepted.
        try self.init(
            reduced: Histogram(edges: edges, counts: counts), moments: moments, zeroCount: zeroCount,
            nanCount: nanCount, infCount: infCount, fine: nil, complete: false, options: options)
    }

    /// A histogram reduced elsewhere, as the form above, with what a reduction can also carry:
    /// the under/overflow counts of `histogram` (values outside its edges; its counts, underflow
    /// and overflow add up to `moments.count`), and optionally `fine`: a finer histogram of the
    /// same finite values (edges from <= `moments.min` to >= `moments.max`, no under/overflow,
    /// counts adding up to `moments.count`), from which quantiles and the outlier count are then
    /// estimated instead of `histogram`'s bins: each quantile within one fine bin of a value next
    /// to it in the sorted data. `estimated = [.quantiles, .outliers]`.
    public init(
        histogram: Histogram, moments: Moments, zeroCount: Int?, nanCount: Int, infCount: Int,
        fine: Histogram? = nil, options: StatisticsOptions = StatisticsOptions()
    ) throws {
        try self.init(
            reduced: histogram, moments: moments, zeroCount: zeroCount, nanCount: nanCount, infCount: infCount,
            fine: fine, complete: true, options: options)
    }

    /// The two reduced forms; `complete`: the bins, underflow and overflow hold every value.
    private init(
        reduced histogram: Histogram, moments: Moments, zeroCount: Int?, nanCount: Int, infCount: Int,
        fine: Histogram?, complete: Bool, options: StatisticsOptions
    ) throws {
        try Self.validate(edges: histogram.edges, counts: histogram.counts)
        try Self.validate(moments: moments)
        try options.validate()
        try Self.validate(nanCount: nanCount, infCount: infCount, zeroCount: zeroCount, count: moments.count)
        guard histogram.underflow >= 0, histogram.overflow >= 0 else {
            throw HistlogError.invalidArgument(
                "underflow and overflow must be >= 0, got \(histogram.underflow) and \(histogram.overflow)")
        }
        let binned = histogram.counts.reduce(0, +) + Double(histogram.underflow) + Double(histogram.overflow)
        guard !complete || binned == Double(moments.count) else {
            throw HistlogError.invalidArgument(
                "counts, underflow and overflow must add up to moments.count (\(moments.count)), got \(binned)")
        }
        try Self.validate(histogram, holding: moments, complete: complete)
        if let fine { try Self.validate(fine: fine, covering: moments) }
        let estimates = BinnedEstimates(histogram: fine ?? histogram, min: moments.min, max: moments.max)
        self.init(
            histogram: histogram,
            statistics: Self.statistics(
                moments: moments, total: estimates.total, estimates: estimates, zeroCount: zeroCount, nanCount: nanCount,
                infCount: infCount, options: options, estimated: [.quantiles, .outliers]),
            moments: moments)
    }

    /// Statistics from moments, with quantiles and outliers estimated from the bins.
    static func statistics(
        moments: Moments, total: Double, estimates: BinnedEstimates, zeroCount: Int?, nanCount: Int, infCount: Int,
        options: StatisticsOptions, estimated: EstimatedStatistics
    ) -> DistributionStatistics {
        let n = Double(moments.count)
        let std = moments.sampleVariance.squareRoot()
        let empty = moments.count == 0
        let quantiles = DistributionStatistics.quantileProbabilities.map {
            empty ? Double.nan : estimates.quantile($0, min: moments.min, max: moments.max)
        }
        return DistributionStatistics(
            totalCount: moments.count, nanCount: nanCount, infCount: infCount, zeroCount: zeroCount,
            outlierCount: empty ? 0 : estimates.outliers(mean: moments.mean, limit: options.outlierThreshold * std),
            outlierThreshold: options.outlierThreshold,
            min: moments.min, max: moments.max,
            sum: empty ? .nan : n * moments.mean, sumOfSquares: empty ? .nan : moments.m2 + n * moments.mean * moments.mean,
            mean: moments.mean, standardDeviation: std, skewness: moments.skewness, kurtosis: moments.excessKurtosis,
            quantiles: quantiles, estimated: estimated)
    }

    static func validate(edges: [Double], counts: [Double], limit: Int = BinConfig.maximumBins) throws {
        guard counts.count >= 1 else { throw HistlogError.invalidArgument("counts must have at least 1 bin, got 0") }
        guard edges.count == counts.count + 1 else {
            throw HistlogError.invalidArgument("edges must have counts.count + 1 = \(counts.count + 1) values, got \(edges.count)")
        }
        try BinConfig.validate(edges: edges, name: "edges", limit: limit)
        for (i, count) in counts.enumerated() where !(count.isFinite && count >= 0) {
            throw HistlogError.invalidArgument("counts[\(i)] must be finite and >= 0, got \(count)")
        }
    }

    static func validate(nanCount: Int, infCount: Int, zeroCount: Int?, count: Int) throws {
        guard nanCount >= 0, infCount >= 0 else {
            throw HistlogError.invalidArgument("\(argument: "nanCount") and \(argument: "infCount") must be >= 0, got \(nanCount) and \(infCount)")
        }
        if let zeroCount, zeroCount < 0 || zeroCount > count {
            throw HistlogError.invalidArgument("\(argument: "zeroCount") must be \(.unknown) or between 0 and moments.count (\(count)), got \(zeroCount)")
        }
    }

    /// Bins and extremes of the same values: the lowest bin holding values ends at or above
    /// `min`, the highest begins at or below `max`; with every value counted (`complete`), a
    /// value outside the edges is under- or overflow and none is without them. Inclusive bounds,
    /// so that bins closed on either side pass. (Zeros are not checked against the extremes: they
    /// may be counted within a tolerance.)
    static func validate(_ histogram: Histogram, holding moments: Moments, complete: Bool) throws {
        guard moments.count > 0 else { return }
        let edges = histogram.edges, counts = histogram.counts
        let (min, max) = (moments.min, moments.max)
        if let lowest = counts.firstIndex(where: { $0 > 0 }), min > edges[lowest + 1] {
            throw HistlogError.invalidArgument(
                "moments.min must be at most \(edges[lowest + 1]), the upper edge of the lowest bin holding values (counts[\(lowest)]), got \(min)")
        }
        if let highest = counts.lastIndex(where: { $0 > 0 }), max < edges[highest] {
            throw HistlogError.invalidArgument(
                "moments.max must be at least \(edges[highest]), the lower edge of the highest bin holding values (counts[\(highest)]), got \(max)")
        }
        guard complete else { return }
        let (first, last) = (edges[0], edges[edges.count - 1])
        if histogram.underflow == 0 ? min < first : min > first {
            throw HistlogError.invalidArgument(
                "moments.min (\(min)) must be \(histogram.underflow == 0 ? "at least" : "at most") the first edge (\(first)) with underflow \(histogram.underflow)")
        }
        if histogram.overflow == 0 ? max > last : max < last {
            throw HistlogError.invalidArgument(
                "moments.max (\(max)) must be \(histogram.overflow == 0 ? "at most" : "at least") the last edge (\(last)) with overflow \(histogram.overflow)")
        }
    }

    /// A fine histogram for estimates: valid edges and counts, no under/overflow, every one of
    /// the `moments.count` values inside its edges.
    static func validate(fine: Histogram, covering moments: Moments) throws {
        do {
            try validate(edges: fine.edges, counts: fine.counts, limit: SubBinLayout.maximumFineBins)
        } catch HistlogError.invalidArgument(let message) {
            throw HistlogError.invalidArgument("fine histogram: \(message)")
        }
        guard fine.underflow == 0, fine.overflow == 0 else {
            throw HistlogError.invalidArgument(
                "fine histogram: must hold every value in its bins, got underflow \(fine.underflow) and overflow \(fine.overflow)")
        }
        let total = fine.counts.reduce(0, +)
        guard total == Double(moments.count) else {
            throw HistlogError.invalidArgument("fine histogram: counts must add up to moments.count (\(moments.count)), got \(total)")
        }
        let first = fine.edges[0], last = fine.edges[fine.edges.count - 1]
        guard moments.count == 0 || (first <= moments.min && last >= moments.max) else {
            throw HistlogError.invalidArgument(
                "fine histogram: edges must span [moments.min, moments.max] = [\(moments.min), \(moments.max)], got [\(first), \(last)]")
        }
    }

    static func validate(moments: Moments) throws {
        guard moments.count >= 0 else { throw HistlogError.invalidArgument("moments.count must be >= 0, got \(moments.count)") }
        guard moments.count > 0 else { return }
        guard moments.mean.isFinite, moments.min.isFinite, moments.max.isFinite, moments.min <= moments.max else {
            throw HistlogError.invalidArgument(
                "moments mean, min and max must be finite with min <= max, got mean \(moments.mean), min \(moments.min), max \(moments.max)")
        }
        // Sums of powers of finite values can overflow (values beyond ~1e154): m2 and m4 may then be
        // +Inf, and the higher sums NaN; the statistics they undo come out Inf or NaN, as for raw values.
        let overflowed = moments.m2 == .infinity || moments.m4 == .infinity
        guard moments.m2 >= 0, moments.m4 >= 0 || (moments.m4.isNaN && moments.m2 == .infinity),
              !moments.m3.isNaN || overflowed else {
            throw HistlogError.invalidArgument(
                "moments m2 and m4 must be >= 0 and m3 a number (NaN only after an overflow to +Inf), got m2 \(moments.m2), m3 \(moments.m3), m4 \(moments.m4)")
        }
        // The mean lies in [min, max] and no value is further from it than max - min, up to the
        // rounding of sums over many values (a millionth of the magnitude is far beyond it).
        let slack = Swift.max(abs(moments.min), abs(moments.max)) * 1e-6 + Double.leastNormalMagnitude
        guard moments.mean >= moments.min - slack && moments.mean <= moments.max + slack else {
            throw HistlogError.invalidArgument(
                "moments.mean must lie between moments.min and moments.max, got mean \(moments.mean), min \(moments.min), max \(moments.max)")
        }
        let range = moments.max - moments.min + 2 * slack
        var bound = Double(moments.count) * range
        for (power, sum) in [(2, moments.m2), (3, moments.m3), (4, moments.m4)] {
            bound *= range
            guard abs(sum) <= bound || sum.isNaN else {
                throw HistlogError.invalidArgument(
                    "moments.m\(power) must be at most count * (max - min)^\(power) = \(bound) in magnitude (no value lies further from the mean), got \(sum)")
            }
        }
    }
}

extension Histogram {
    /// Only the histogram of raw values (no statistics): the same edges and counts as
    /// `HistogramSummary(values:bins:)`, in two streaming passes instead of three (`ValueHistogram`
    /// adds the extremes and special counts).
    public init(values: UnsafeBufferPointer<Float>, bins: BinConfig = BinConfig()) throws {
        self = try ValueSummarizer.histogram(ValueStream(values), bins: bins).histogram
    }

    /// As the `Float` form, for `Double` values.
    public init(values: UnsafeBufferPointer<Double>, bins: BinConfig = BinConfig()) throws {
        self = try ValueSummarizer.histogram(ValueStream(values), bins: bins).histogram
    }
}
