import Testing
@testable import HistLog

/// Reduced histograms with a finer histogram of the same values: quantiles and outliers
/// estimated from the fine bins, checked against the sorted values.
struct FineEstimateTests {
    /// The reduced summary of `values` over `bins`, with a fine histogram of `fineBins` equal bins
    /// over [min, max] (the engine's own histogram of the same values), or none.
    static func reduced(_ values: [Double], bins: BinConfig, fineBins: Int?) throws -> (HistogramSummary, HistogramSummary, Histogram?) {
        let exact = try HistogramSummary(values: values, bins: bins)
        let fine = try fineBins.map { try HistogramSummary(values: values, bins: BinConfig(bins: $0)).histogram }
        let reduced = try HistogramSummary(
            histogram: exact.histogram, moments: exact.moments, zeroCount: exact.statistics.zeroCount,
            nanCount: exact.statistics.nanCount, infCount: exact.statistics.infCount, fine: fine)
        return (reduced, exact, fine)
    }

    @Test(arguments: Distribution.allCases)
    func quantilesWithinOneFineBinOfTheSortedData(_ distribution: Distribution) throws {
        for (count, seed, fineBins) in [(7, 1, 4096), (1000, 2, 4096), (20_000, 3, 512), (20_000, 4, 1)] {
            let values = distribution.sample(count, seed: UInt64(seed)) + [.nan, .infinity]
            let sorted = values.filter(\.isFinite).sorted()
            // An explicit range that cuts both tails: under/overflow are carried exactly.
            let lo = sorted[sorted.count / 10], hi = sorted[sorted.count * 8 / 10]
            let bins = lo < hi ? BinConfig(bins: 30, range: (lo, hi)) : BinConfig(bins: 30)
            let (reduced, exact, fine) = try Self.reduced(values, bins: bins, fineBins: fineBins)
            let s = reduced.statistics
            #expect(s.estimated == [.quantiles, .outliers])
            #expect(reduced.histogram == exact.histogram)
            #expect(s.nanCount == 1 && s.infCount == 1 && s.zeroCount == exact.statistics.zeroCount)
            #expect(s.mean == exact.statistics.mean && s.standardDeviation == exact.statistics.standardDeviation)
            let width = fine.map { zip($0.edges, $0.edges.dropFirst()).map { $1 - $0 }.max()! } ?? 0
            for (p, q) in zip(DistributionStatistics.quantileProbabilities, s.quantiles) {
                // numpy interpolates between sorted[floor h] and sorted[ceil h]; the fine bins put
                // the estimate within one fine bin of one of them.
                let h = Double(sorted.count - 1) * p
                let below = sorted[Int(h.rounded(.down))], above = sorted[Int(h.rounded(.up))]
                #expect(q >= below - width && q <= above + width,
                        "\(distribution) n=\(count) fine=\(fineBins) p=\(p): \(q) not in [\(below), \(above)] ± \(width)")
            }
            // Outliers: only values within one fine bin of mean ± k·std can be misjudged.
            let limit = 3 * s.standardDeviation
            let uncertain = sorted.filter { abs(abs($0 - s.mean) - limit) <= width }.count
            #expect(abs(s.outlierCount - exact.statistics.outlierCount) <= uncertain + 1,
                    "\(distribution): outliers \(s.outlierCount) vs \(exact.statistics.outlierCount), \(uncertain) uncertain")
        }
    }

    @Test func aFineHistogramSharpensQuantilesOverTheBins() throws {
        // One far value makes 30 linear bins coarse; 4096 fine bins resolve the bulk far better.
        var values = Distribution.normal.sample(50_000, seed: 9)
        values.append(1e4)
        let (coarse, exact, _) = try Self.reduced(values, bins: BinConfig(bins: 30), fineBins: nil)
        let (fine, _, _) = try Self.reduced(values, bins: BinConfig(bins: 30), fineBins: 4096)
        let coarseError = zip(coarse.statistics.quantiles, exact.statistics.quantiles).map { abs($0 - $1) }.max()!
        let fineError = zip(fine.statistics.quantiles, exact.statistics.quantiles).map { abs($0 - $1) }.max()!
        let range = exact.statistics.max - exact.statistics.min
        #expect(fineError <= range / 4096, "fine error \(fineError), fine bin \(range / 4096)")
        #expect(fineError * 20 < coarseError, "fine \(fineError) vs coarse \(coarseError)")
    }

    @Test func overflowedSumsGiveUndefinedStatistics() throws {
        // Sums of powers of finite values beyond ~1e154 overflow: accepted, statistics Inf or NaN.
        let edges: [Double] = [-2e200, 0, 2e200]
        func reduced(m2: Double, m3: Double, m4: Double) throws -> DistributionStatistics {
            try HistogramSummary(
                histogram: Histogram(edges: edges, counts: [2, 2]),
                moments: Moments(count: 4, mean: 0.5, m2: m2, m3: m3, m4: m4, min: -1e200, max: 1e200),
                zeroCount: 0, nanCount: 0, infCount: 0).statistics
        }
        let overflowed = try reduced(m2: .infinity, m3: .nan, m4: .nan)
        #expect(overflowed.standardDeviation == .infinity && overflowed.skewness.isNaN && overflowed.kurtosis.isNaN)
        let fourth = try reduced(m2: 1e300, m3: 1e300, m4: .infinity)
        #expect(fourth.standardDeviation.isFinite && fourth.skewness.isFinite && fourth.kurtosis.isNaN)
        expectInvalid("m3 a number") { _ = try reduced(m2: 1, m3: .nan, m4: 1) }
        expectInvalid("m2 and m4 must be >= 0") { _ = try reduced(m2: .nan, m3: 0, m4: 1) }
        expectInvalid("m2 and m4 must be >= 0") { _ = try reduced(m2: 1, m3: 0, m4: .nan) }
        expectInvalid("m2 and m4 must be >= 0") { _ = try reduced(m2: -.infinity, m3: 0, m4: 1) }
    }

    /// Moments no values could have: a mean outside [min, max], a sum of powers beyond what values
    /// within max - min of the mean reach. A mean off by rounding is accepted.
    @Test func impossibleMomentsAreRefusedByName() throws {
        func reduced(mean: Double = 1, m2: Double = 2, m3: Double = 0, m4: Double = 2, min: Double = 0, max: Double = 2) throws {
            _ = try HistogramSummary(
                histogram: Histogram(edges: [0, 1, 2], counts: [1, 1]),
                moments: Moments(count: 2, mean: mean, m2: m2, m3: m3, m4: m4, min: min, max: max),
                zeroCount: 0, nanCount: 0, infCount: 0)
        }
        try reduced()
        try reduced(mean: 2.0.nextUp, m2: 0, m4: 0)  // every value 2, the mean rounded up
        try reduced(mean: 0, m2: 8, m3: 16, m4: 32)  // the bounds themselves: two values 2 from the mean
        expectInvalid("moments.mean must lie between moments.min and moments.max, got mean 5.0, min 0.0, max 2.0") { try reduced(mean: 5) }
        expectInvalid("moments.mean must lie between moments.min and moments.max, got mean -0.001") { try reduced(mean: -0.001) }
        expectInvalid("moments.m2 must be at most count * (max - min)^2") { try reduced(m2: 1e308) }
        expectInvalid("moments.m3 must be at most count * (max - min)^3") { try reduced(m3: -17) }
        expectInvalid("moments.m4 must be at most count * (max - min)^4") { try reduced(m4: 33) }
    }

    /// Bins and extremes that cannot be of the same values: an extreme outside the edges without
    /// under- or overflow, or beyond the bins that hold values. Bins closed on either side pass.
    @Test func binsAndExtremesOfOtherValuesAreRefusedByName() throws {
        func reduced(
            counts: [Double] = [1, 1], underflow: Int = 0, overflow: Int = 0, min: Double = 0.5, max: Double = 1.5, zeros: Int? = 0,
            complete: Bool = true
        ) throws {
            let histogram = Histogram(edges: [0, 1, 2], counts: counts, underflow: underflow, overflow: overflow)
            let mean = (min + max) / 2, m2 = (max - min) * (max - min) / 2
            let moments = Moments(count: 2, mean: mean, m2: m2, m3: 0, m4: m2 * m2, min: min, max: max)
            if complete {
                _ = try HistogramSummary(histogram: histogram, moments: moments, zeroCount: zeros, nanCount: 0, infCount: 0)
            } else {
                _ = try HistogramSummary(edges: histogram.edges, counts: counts, moments: moments, zeroCount: zeros, nanCount: 0, infCount: 0)
            }
        }
        try reduced()
        try reduced(min: 0, max: 2)  // both extremes on the outer edges
        try reduced(counts: [0, 1], underflow: 1, min: 0)  // a left-open first bin puts the edge in the underflow
        try reduced(counts: [1, 0], overflow: 1, max: 2)
        try reduced(counts: [2, 0], min: 1, max: 1)  // a right-closed first bin holds its upper edge
        try reduced(zeros: 1)  // |x| <= a zero tolerance, not checked against the extremes
        try reduced(counts: [1, 0], min: -5, max: 0.5, complete: false)  // the other value unbinned
        expectInvalid("moments.min (-5.0) must be at least the first edge (0.0) with underflow 0") { try reduced(min: -5) }
        expectInvalid("moments.max (10.0) must be at most the last edge (2.0) with overflow 0") { try reduced(max: 10) }
        expectInvalid("moments.min (0.5) must be at most the first edge (0.0) with underflow 1") { try reduced(counts: [0, 1], underflow: 1) }
        expectInvalid("moments.max (1.5) must be at least the last edge (2.0) with overflow 1") { try reduced(counts: [1, 0], overflow: 1) }
        expectInvalid("moments.min must be at most 1.0, the upper edge of the lowest bin holding values (counts[0]), got 1.25") {
            try reduced(min: 1.25)
        }
        expectInvalid("moments.max must be at least 1.0, the lower edge of the highest bin holding values (counts[1]), got 0.75") {
            try reduced(min: 0.25, max: 0.75)
        }
        expectInvalid("moments.min must be at most 1.0") { try reduced(counts: [1, 0], min: 1.25, max: 1.5, complete: false) }
    }

    @Test func invalidReductionsAreRefusedByName() throws {
        let values: [Double] = [-1, 0, 0.5, 1, 2, 7]
        let exact = try HistogramSummary(values: values, bins: BinConfig(bins: 2, range: (0, 2)))
        let h = exact.histogram  // underflow 1 (-1), overflow 1 (7)
        let fine = Histogram(edges: [-1, 0, 3, 7], counts: [1, 4, 1])
        func reduce(_ histogram: Histogram, _ fine: Histogram?) throws {
            _ = try HistogramSummary(
                histogram: histogram, moments: exact.moments, zeroCount: 1, nanCount: 0, infCount: 0, fine: fine)
        }
        try reduce(h, fine)
        try reduce(h, nil)
        expectInvalid("fine histogram: counts must add up to moments.count (6), got 5") {
            try reduce(h, Histogram(edges: [-1, 0, 3, 7], counts: [1, 3, 1]))
        }
        expectInvalid("fine histogram: edges must span [moments.min, moments.max] = [-1.0, 7.0], got [-1.0, 6.0]") {
            try reduce(h, Histogram(edges: [-1, 0, 3, 6], counts: [1, 4, 1]))
        }
        expectInvalid("fine histogram: edges must be strictly increasing") {
            try reduce(h, Histogram(edges: [-1, 3, 3, 7], counts: [1, 4, 1]))
        }
        expectInvalid("fine histogram: must hold every value in its bins") {
            try reduce(h, Histogram(edges: [-1, 0, 3, 7], counts: [1, 4, 0], underflow: 0, overflow: 1))
        }
        expectInvalid("fine histogram: counts[1] must be finite and >= 0") {
            try reduce(h, Histogram(edges: [-1, 0, 3, 7], counts: [1, -4, 1]))
        }
        var lost = h
        lost.overflow = 0
        expectInvalid("must add up to moments.count (6)") { try reduce(lost, nil) }
        lost.overflow = -1
        expectInvalid("underflow and overflow must be >= 0") { try reduce(lost, nil) }
    }
}
