import Testing
@testable import HistLog

/// Pre-computed and reduced histograms, and merging summaries over the same edges.
struct MergeAndEstimateTests {
    @Test func precomputedEstimatesFromBins() throws {
        // Two bins of equal mass: the mid-points 0.5 and 1.5 give mean 1; the CDF is linear.
        let summary = try HistogramSummary(edges: [0, 1, 2], counts: [10, 10])
        let s = summary.statistics
        #expect(s.estimated == [.moments, .quantiles, .outliers, .extremes])
        #expect(s.zeroCount == nil && s.totalCount == 20 && s.nanCount == 0)
        #expect(s.min == 0 && s.max == 2 && s.mean == 1)
        #expect(isClose(s.standardDeviation, (20.0 * 0.25 / 19).squareRoot()))
        #expect(zip(s.quantiles, [0.2, 0.5, 1, 1.5, 1.8]).allSatisfy { isClose($0, $1) }, "\(s.quantiles)")
        #expect(s.outlierCount == 0)
        #expect(summary.moments.count == 20 && summary.moments.mean == 1)
    }

    @Test func precomputedEmptyAndSkewed() throws {
        let empty = try HistogramSummary(edges: [0, 1, 2], counts: [0, 0]).statistics
        #expect(empty.totalCount == 0 && empty.mean.isNaN && empty.quantiles.allSatisfy(\.isNaN))
        // Mass mostly in the first bin: positive skew, a far bin counted as outliers.
        let edges = (0...10).map(Double.init)
        let s = try HistogramSummary(edges: edges, counts: [100, 50, 20, 5, 2, 1, 0, 0, 0, 1]).statistics
        #expect(s.skewness > 0 && s.outlierCount >= 1)
        let mids = edges.dropLast().map { $0 + 0.5 }
        let counts = [100.0, 50, 20, 5, 2, 1, 0, 0, 0, 1]
        let expanded = zip(mids, counts).flatMap { Array(repeating: $0, count: Int($1)) }
        let reference = ReferenceStatistics(expanded)
        #expect(isClose(s.mean, reference.mean) && isClose(s.standardDeviation, reference.std))
        #expect(isClose(s.skewness, reference.skewness, relative: 1e-9) && isClose(s.kurtosis, reference.kurtosis, relative: 1e-9))
    }

    @Test func reducedKeepsExactMoments() throws {
        let values = Distribution.normal.sample(10_000, seed: 21)
        let exact = try HistogramSummary(values: values)
        let reduced = try HistogramSummary(
            edges: exact.histogram.edges, counts: exact.histogram.counts, moments: exact.moments,
            zeroCount: exact.statistics.zeroCount, nanCount: 2, infCount: 1)
        let s = reduced.statistics
        #expect(s.estimated == [.quantiles, .outliers])
        #expect(s.mean == exact.statistics.mean && s.standardDeviation == exact.statistics.standardDeviation)
        #expect(s.skewness == exact.statistics.skewness && s.kurtosis == exact.statistics.kurtosis)
        #expect(s.min == exact.statistics.min && s.max == exact.statistics.max && s.nanCount == 2 && s.infCount == 1)
        let width = exact.histogram.edges[1] - exact.histogram.edges[0]
        for (q, e) in zip(s.quantiles, exact.statistics.quantiles) { #expect(abs(q - e) <= width, "\(q) vs \(e)") }
        #expect(abs(s.outlierCount - exact.statistics.outlierCount) <= 10)
    }

    @Test(arguments: Distribution.allCases)
    func mergeEqualsSummaryOfTheUnion(_ distribution: Distribution) throws {
        var g = SeededGenerator(seed: 77)
        for _ in 0..<5 {
            let a = distribution.sample(Int.random(in: 0..<3000, using: &g), seed: g.next())
            let b = distribution.sample(Int.random(in: 0..<3000, using: &g), seed: g.next())
            let all = a + b
            guard let lo = all.min(), let hi = all.max(), lo < hi else { continue }
            let config = BinConfig(bins: 25, range: (lo, hi))
            let whole = try HistogramSummary(values: all, bins: config)
            let merged = try HistogramSummary(values: a, bins: config).merged(with: try HistogramSummary(values: b, bins: config))
            #expect(merged.histogram == whole.histogram)
            let (m, w) = (merged.statistics, whole.statistics)
            #expect(m.totalCount == w.totalCount && m.zeroCount == w.zeroCount && m.min == w.min && m.max == w.max)
            #expect(isClose(m.mean, w.mean, relative: 1e-12, absolute: 1e-12), "\(m.mean) \(w.mean)")
            #expect(isClose(m.standardDeviation, w.standardDeviation, relative: 1e-9), "\(m.standardDeviation) \(w.standardDeviation)")
            #expect(isClose(m.skewness, w.skewness, relative: 1e-7, absolute: 1e-9), "\(m.skewness) \(w.skewness)")
            #expect(isClose(m.kurtosis, w.kurtosis, relative: 1e-7, absolute: 1e-9), "\(m.kurtosis) \(w.kurtosis)")
            #expect(isClose(m.sum, w.sum, relative: 1e-12, absolute: 1e-9))
            #expect(m.estimated == [.quantiles, .outliers])
            #expect(m.quantiles.allSatisfy { $0 >= m.min && $0 <= m.max })
        }
    }

    @Test func mergeWithEmptyAndPrecomputed() throws {
        let edges: [Double] = [0, 1, 2, 3]
        let values = try HistogramSummary(values: [0.5, 1.5, 2.5, 2.5], bins: BinConfig(edges: edges))
        let empty = try HistogramSummary(values: [Double](), bins: BinConfig(edges: edges))
        let merged = try values.merged(with: empty)
        #expect(merged.moments == values.moments && merged.histogram == values.histogram)
        let precomputed = try HistogramSummary(edges: edges, counts: [1, 0, 1])
        let mixed = try values.merged(with: precomputed)
        #expect(mixed.statistics.estimated == [.moments, .quantiles, .outliers, .extremes])
        #expect(mixed.statistics.zeroCount == nil && mixed.histogram.counts == [2, 1, 3])
    }
}
