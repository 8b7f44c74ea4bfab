import Testing
@testable import HistLog

/// Counts equal a direct bin search over the engine's own edges (numpy.histogram's rule).
struct BinCountTests {
    func expectCounts<T: BinaryFloatingPoint>(_ values: [T], _ summary: HistogramSummary, _ label: String) {
        let h = summary.histogram
        #expect(BinLayout<Double>.isStrictlyIncreasing(h.edges), "\(label) edges \(h.edges)")
        let reference = ReferenceStatistics.counts(values, edges: h.edges)
        #expect(h.counts == reference.counts, "\(label) counts")
        #expect(h.underflow == reference.under && h.overflow == reference.over, "\(label) under/overflow")
        #expect(Int(h.counts.reduce(0, +)) + h.underflow + h.overflow == summary.statistics.totalCount, "\(label) total")
    }

    @Test(arguments: Distribution.allCases)
    func linearAutomaticRange(_ distribution: Distribution) throws {
        for (size, bins) in [(0, 30), (1, 30), (2, 1), (5, 3), (100, 30), (10_001, 7), (10_001, 1000)] {
            let values = distribution.sample(size, seed: 11)
            expectCounts(values, try HistogramSummary(values: values, bins: BinConfig(bins: bins)), "\(distribution) \(size) \(bins) Double")
            let floats = values.map { Float($0) }
            expectCounts(floats, try HistogramSummary(values: floats, bins: BinConfig(bins: bins)), "\(distribution) \(size) \(bins) Float")
        }
    }

    @Test func edgesAreLinspaceOfTheRange() throws {
        let values = Distribution.normal.sample(1000, seed: 2)
        let edges = try HistogramSummary(values: values).histogram.edges
        let lo = values.min()!, hi = values.max()!
        #expect(edges.count == 31 && edges.first == lo && edges.last == hi)
        for (i, e) in edges.enumerated() {
            #expect(isClose(e, lo + Double(i) * (hi - lo) / 30, relative: 1e-14, absolute: 1e-15))
        }
    }

    @Test func valuesOnEdgesLandInTheUpperBin() throws {
        let values: [Double] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        let h = try HistogramSummary(values: values, bins: BinConfig(bins: 10)).histogram
        #expect(h.edges == (0...10).map(Double.init))
        #expect(h.counts == [1, 1, 1, 1, 1, 1, 1, 1, 1, 2])
    }

    @Test(arguments: Distribution.allCases)
    func explicitRangeAndEdges(_ distribution: Distribution) throws {
        let values = distribution.sample(5000, seed: 4)
        let floats = values.map { Float($0) }
        let range = BinConfig(bins: 17, range: (lower: -0.7, upper: 1.3))
        expectCounts(values, try HistogramSummary(values: values, bins: range), "\(distribution) range Double")
        expectCounts(floats, try HistogramSummary(values: floats, bins: range), "\(distribution) range Float")
        let edges = BinConfig(edges: [-2, -0.5, -0.1, 0, 0.1, 0.3, 1, 10])
        let summary = try HistogramSummary(values: values, bins: edges)
        #expect(summary.histogram.edges == edges.edges!)
        expectCounts(values, summary, "\(distribution) edges Double")
        expectCounts(floats, try HistogramSummary(values: floats, bins: edges), "\(distribution) edges Float")
        #expect(summary.statistics.totalCount == values.count, "statistics cover out-of-range values")
    }

    @Test(arguments: Distribution.allCases)
    func logarithmicScale(_ distribution: Distribution) throws {
        let values = distribution.sample(5000, seed: 8)
        for bins in [1, 2, 3, 10, 30] {
            let summary = try HistogramSummary(values: values, bins: BinConfig(bins: bins, scale: .logarithmic))
            #expect(summary.histogram.binCount == bins)
            expectCounts(values, summary, "\(distribution) log \(bins)")
        }
    }
}
