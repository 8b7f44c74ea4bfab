import Testing
@testable import HistLog

/// Reduced histograms with sub-bin counts: quantiles and outliers estimated from the sub-bins,
/// checked against the sorted values.
struct SubdividedEstimateTests {
    /// The sub-bin counts of `values` for `histogram`'s regions (underflow `[min, edges[0])`,
    /// each bin, overflow `(edges[n], max]`), computed here independently of the engine: the
    /// region by numpy's rule, the sub-bin by `floor((x - left) / width · S)` within it.
    static func subdividedCounts(_ values: [Double], histogram: Histogram, min: Double, max: Double, subdivisions: Int) -> [Double] {
        let edges = histogram.edges
        let n = edges.count - 1
        var counts = [Double](repeating: 0, count: (n + 2) * subdivisions)
        for x in values where x.isFinite {
            let region: Int, left: Double, right: Double
            if x < edges[0] {
                (region, left, right) = (0, min, edges[0])
            } else if x > edges[n] {
                (region, left, right) = (n + 1, edges[n], max)
            } else {
                let bin = ReferenceStatistics.counts([x], edges: edges).counts.firstIndex(of: 1)!
                (region, left, right) = (bin + 1, edges[bin], edges[bin + 1])
            }
            let position = right > left ? (x - left) / (right - left) * Double(subdivisions) : 0
            let sub = Swift.min(Swift.max(Int(position.rounded(.down)), 0), subdivisions - 1)
            counts[region * subdivisions + sub] += 1
        }
        return counts
    }

    /// The widest sub-bin among the regions that hold values.
    static func widestSubBin(_ histogram: Histogram, min: Double, max: Double, subdivisions: Int) -> Double {
        let edges = histogram.edges
        var widest = 0.0
        if histogram.underflow > 0 { widest = edges[0] - min }
        if histogram.overflow > 0 { widest = Swift.max(widest, max - edges[edges.count - 1]) }
        for i in histogram.counts.indices where histogram.counts[i] > 0 { widest = Swift.max(widest, edges[i + 1] - edges[i]) }
        return widest / Double(subdivisions)
    }

    @Test(arguments: Distribution.allCases)
    func quantilesWithinOneSubBinOfTheSortedData(_ distribution: Distribution) throws {
        for (count, seed, subdivisions) in [(7, 1, 128), (1000, 2, 128), (20_000, 3, 16), (20_000, 4, 1)] {
            var values = distribution.sample(count, seed: UInt64(seed))
            values += [.nan, .infinity]
            let sorted = values.filter(\.isFinite).sorted()
            // An explicit range that cuts both tails, so that under/overflow regions are used too.
            let lo = sorted[sorted.count / 10], hi = sorted[sorted.count * 8 / 10]
            let bins = lo < hi ? BinConfig(bins: 30, range: (lo, hi)) : BinConfig(bins: 30)
            let exact = try HistogramSummary(values: values, bins: bins)
            let (min, max) = (exact.statistics.min, exact.statistics.max)
            let sub = Self.subdividedCounts(values, histogram: exact.histogram, min: min, max: max, subdivisions: subdivisions)
            let reduced = try HistogramSummary(
                histogram: exact.histogram, moments: exact.moments, zeroCount: exact.statistics.zeroCount,
                nanCount: 1, infCount: 1, subdividedCounts: sub, subdivisions: subdivisions)
            let s = reduced.statistics
            #expect(s.estimated == [.quantiles, .outliers])
            #expect(reduced.histogram == exact.histogram)
            #expect(s.mean == exact.statistics.mean && s.standardDeviation == exact.statistics.standardDeviation)
            let width = Self.widestSubBin(exact.histogram, min: min, max: max, subdivisions: subdivisions)
            for (p, q) in zip(DistributionStatistics.quantileProbabilities, s.quantiles) {
                // numpy interpolates between sorted[floor h] and sorted[ceil h]; the sub-bins put the
                // estimate within one sub-bin width of one of them.
                let h = Double(sorted.count - 1) * p
                let below = sorted[Int(h.rounded(.down))], above = sorted[Int(h.rounded(.up))]
                #expect(q >= below - width && q <= above + width, "\(distribution) n=\(count) S=\(subdivisions) p=\(p): \(q) not in [\(below), \(above)] ± \(width)")
            }
            // Outliers: only values within one sub-bin of mean ± k·std can be misjudged.
            let limit = 3 * s.standardDeviation
            let uncertain = sorted.filter { abs(abs($0 - s.mean) - limit) <= width }.count
            #expect(abs(s.outlierCount - exact.statistics.outlierCount) <= uncertain + 1,
                    "\(distribution): outliers \(s.outlierCount) vs \(exact.statistics.outlierCount), \(uncertain) uncertain")
        }
    }

    @Test func subBinsSharpenQuantilesOverTheBins() throws {
        // Heavy tail: one far value makes 30 linear bins coarse; 128 sub-bins per bin recover the bulk.
        var values = Distribution.normal.sample(50_000, seed: 9)
        values.append(1e4)
        let exact = try HistogramSummary(values: values)
        let (min, max) = (exact.statistics.min, exact.statistics.max)
        let coarse = try HistogramSummary(
            histogram: exact.histogram, moments: exact.moments, zeroCount: nil, nanCount: 0, infCount: 0)
        let fine = try HistogramSummary(
            histogram: exact.histogram, moments: exact.moments, zeroCount: nil, nanCount: 0, infCount: 0,
            subdividedCounts: Self.subdividedCounts(values, histogram: exact.histogram, min: min, max: max, subdivisions: 128),
            subdivisions: 128)
        let coarseError = zip(coarse.statistics.quantiles, exact.statistics.quantiles).map { abs($0 - $1) }.max()!
        let fineError = zip(fine.statistics.quantiles, exact.statistics.quantiles).map { abs($0 - $1) }.max()!
        let binWidth = exact.histogram.edges[1] - exact.histogram.edges[0]
        #expect(fineError <= binWidth / 128 + 1e-9, "fine error \(fineError), sub-bin \(binWidth / 128)")
        #expect(fineError * 20 < coarseError, "fine \(fineError) vs coarse \(coarseError)")
    }

    @Test func invalidReductionsAreRefusedByName() throws {
        let values: [Double] = [-1, 0, 0.5, 1, 2, 7]
        let exact = try HistogramSummary(values: values, bins: BinConfig(bins: 2, range: (0, 2)))
        let h = exact.histogram  // underflow 1 (-1), overflow 1 (7)
        let sub = Self.subdividedCounts(values, histogram: h, min: -1, max: 7, subdivisions: 4)
        func reduce(_ histogram: Histogram, _ counts: [Double]?, _ subdivisions: Int = 4, moments: Moments? = nil) throws {
            _ = try HistogramSummary(
                histogram: histogram, moments: moments ?? exact.moments, zeroCount: 1, nanCount: 0, infCount: 0,
                subdividedCounts: counts, subdivisions: subdivisions)
        }
        try reduce(h, sub)
        try reduce(h, nil)
        func refused(_ fragment: String, _ body: () throws -> Void) {
            do {
                try body()
                Issue.record("accepted; expected an error mentioning \(fragment)")
            } catch let error as HistlogError {
                guard case .invalidArgument(let message) = error else { Issue.record("\(error)"); return }
                #expect(message.contains(fragment), "\(message)")
            } catch { Issue.record("\(error)") }
        }
        refused("subdividedCounts must have (bins + 2) * subdivisions = 4 * 4") { try reduce(h, Array(sub.dropLast())) }
        refused("subdivisions must be between 1") { try reduce(h, [], 0) }
        var moved = sub
        moved[4] -= 1; moved[0] += 1  // the 0 of bin 0 moved to the underflow
        refused("subdividedCounts[0..<4] must add up to the underflow (1.0)") { try reduce(h, moved) }
        var negative = sub
        negative[5] = -1
        refused("subdividedCounts[5] must be finite and >= 0") { try reduce(h, negative) }
        var lost = h
        lost.overflow = 0
        refused("must add up to moments.count (6)") { try reduce(lost, nil) }
        lost.overflow = -1
        refused("underflow and overflow must be >= 0") { try reduce(lost, nil) }
    }
}
