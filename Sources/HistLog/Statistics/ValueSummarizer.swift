/// The histogram and exact statistics of a buffer of raw values, in three streaming passes:
///
/// 1. `ValueScan`: counts of NaN, ±Inf and zeros, finite min/max and sum (the shift for pass 2).
/// 2. bin counts, central power sums about the shift (in `Double`), and the top-digit radix
///    counts of the values' order-preserving keys.
/// 3. (`RadixSelection`) the values of the few radix buckets holding the wanted ranks are
///    gathered and selected; outliers are counted in the same pass, now that mean and std are known.
///
/// The input is read in place, never copied. Extra memory: a 2^16-entry count table, the bin
/// counts and the gathered candidates.
enum ValueSummarizer {
    static func summarize<T: EngineFloat>(_ values: UnsafeBufferPointer<T>, bins config: BinConfig, options: StatisticsOptions) throws -> HistogramSummary {
        try config.validate()
        try options.validate()
        let scan = ValueScan.scan(values, zeroTolerance: options.zeroTolerance, magnitudes: config.edges == nil && config.scale != .linear)
        let layout = try resolveLayout(config, scan: scan, values: values)

        var counts = [Double](repeating: 0, count: layout.binCount)
        var underflow = 0, overflow = 0
        var moments = Moments.empty
        var quantiles = [Double](repeating: .nan, count: DistributionStatistics.quantileProbabilities.count)
        var outliers = 0

        if scan.finiteCount > 0 {
            var shift = scan.sum / Double(scan.finiteCount)
            if !shift.isFinite { shift = Double(scan.min) / 2 + Double(scan.max) / 2 }
            var top = [Int](repeating: 0, count: RadixSelection<T>.bucketCount)
            let pass = top.withUnsafeMutableBufferPointer { top in
                let pass = SecondPass.run(values, layout: layout, shift: shift, radix: top)
                RadixSelection<T>.dropNonFinite(top, min: scan.min, max: scan.max)
                return pass
            }
            counts = pass.counts
            underflow = pass.totals.underflow
            overflow = pass.totals.overflow
            let t = pass.totals
            moments = Moments.fromShiftedSums(
                count: scan.finiteCount, shift: shift, s1: t.s1, s2: t.s2, s3: t.s3, s4: t.s4,
                min: Double(scan.min), max: Double(scan.max))

            let ranks = DistributionStatistics.quantileProbabilities.map { QuantileRank(probability: $0, count: scan.finiteCount) }
            var wanted = [Int]()
            for rank in ranks where !wanted.contains(rank.lower) { wanted.append(rank.lower) }
            for rank in ranks where !wanted.contains(rank.upper) { wanted.append(rank.upper) }
            let std = moments.sampleVariance.squareRoot()
            let selected = top.withUnsafeMutableBufferPointer { top in
                RadixSelection<T>.select(
                    ranks: wanted, in: values, topCounts: top, gatherLimit: gatherLimit(finiteCount: scan.finiteCount),
                    outliers: (moments.mean, options.outlierThreshold * std))
            }
            outliers = selected.outliers
            func value(_ rank: Int) -> T { selected.values[wanted.firstIndex(of: rank) ?? 0] }
            quantiles = ranks.map { QuantileRank.interpolate(value($0.lower), value($0.upper), $0.fraction) }
        }

        let n = Double(moments.count)
        let statistics = DistributionStatistics(
            totalCount: scan.finiteCount, nanCount: scan.nanCount, infCount: scan.infCount,
            zeroCount: scan.zeroCount, outlierCount: outliers, outlierThreshold: options.outlierThreshold,
            min: moments.min, max: moments.max,
            sum: scan.finiteCount > 0 ? scan.sum : .nan,
            sumOfSquares: scan.finiteCount > 0 ? moments.m2 + n * moments.mean * moments.mean : .nan,
            mean: moments.mean, standardDeviation: moments.sampleVariance.squareRoot(),
            skewness: moments.skewness, kurtosis: moments.excessKurtosis,
            quantiles: quantiles, estimated: [])
        return HistogramSummary(
            histogram: Histogram(edges: layout.edges, counts: counts, underflow: underflow, overflow: overflow),
            statistics: statistics, moments: moments)
    }

    /// Only the histogram: the first pass for the range, the second for the counts.
    static func histogram<T: EngineFloat>(_ values: UnsafeBufferPointer<T>, bins config: BinConfig) throws -> Histogram {
        try config.validate()
        let scan = ValueScan.scan(values, zeroTolerance: nil, magnitudes: config.edges == nil && config.scale != .linear)
        let layout = try resolveLayout(config, scan: scan, values: values)
        guard scan.finiteCount > 0 else { return Histogram(edges: layout.edges, counts: [Double](repeating: 0, count: layout.binCount)) }
        let pass = SecondPass.run(values, layout: layout, shift: nil, radix: nil)
        return Histogram(edges: layout.edges, counts: pass.counts, underflow: pass.totals.underflow, overflow: pass.totals.overflow)
    }

    /// Candidate buckets larger than this are refined by another radix digit before gathering.
    static func gatherLimit(finiteCount: Int) -> Int { Swift.max(4096, finiteCount / 64) }

    /// The bin layout for `config` over the scanned values.
    static func resolveLayout<T: EngineFloat>(_ config: BinConfig, scan: ValueScan<T>, values: UnsafeBufferPointer<T>) throws -> BinLayout<T> {
        if let edges = config.edges { return .explicit(edges: edges) }
        var logarithmic = config.scale == .logarithmic
        if config.scale == .automatic && scan.finiteCount > 0 {
            let largest = Swift.max(abs(Double(scan.min)), abs(Double(scan.max)))
            let magnitudes = ValueScan.countNonzero(values, below: largest * AutomaticScale.decadesBelowLargest)
            logarithmic = AutomaticScale.prefersLogarithmic(nonzeroCount: magnitudes.nonzero, smallCount: magnitudes.small)
        }
        if let range = config.range {
            if logarithmic, let layout = BinLayout<T>.logarithmic(
                lower: range.lower, upper: range.upper, smallestMagnitude: scan.smallestNonzeroMagnitude, bins: config.bins) {
                return layout
            }
            guard let layout = BinLayout<T>.uniform(lower: range.lower, upper: range.upper, bins: config.bins) else {
                throw HistlogError.invalidArgument(
                    "range (\(range.lower), \(range.upper)) is too narrow for \(config.bins) bins of distinct edges")
            }
            return layout
        }
        guard scan.finiteCount > 0 else {
            // numpy's range for empty input.
            return BinLayout<T>.uniform(lower: 0, upper: 1, bins: config.bins) ?? .explicit(edges: BinLayout<T>.linspace(0, 1, config.bins))
        }
        if logarithmic, let layout = BinLayout<T>.logarithmic(
            lower: Double(scan.min), upper: Double(scan.max), smallestMagnitude: scan.smallestNonzeroMagnitude, bins: config.bins) {
            return layout
        }
        return .automatic(min: scan.min, max: scan.max, bins: config.bins)
    }
}
