import Foundation
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

    /// A tensor whose values all underflowed to subnormal magnitudes (vanished gradients) is binned
    /// over its own range, as numpy does, not over a range widened to normal magnitudes.
    @Test func subnormalValuesAreBinnedOverTheirOwnRange() throws {
        func expectLinspace(_ edges: [Double], bins: Int, lo: Double, hi: Double, ulp: Double, _ label: String) {
            #expect(edges.count == bins + 1 && edges.first == lo && edges.last == hi, "\(label)")
            let scale = 0x1p600  // the linspace in normal doubles: exact to well below a subnormal unit
            for (i, e) in edges.enumerated() {
                let exact = (lo * scale + Double(i) * (hi * scale - lo * scale) / Double(bins)) / scale
                #expect(abs(e - exact) <= 2 * ulp, "\(label) edge \(i)")
            }
        }
        let normal = Distribution.normal.sample(70_001, seed: 9)
        for (size, bins) in [(7, 1), (1000, 30), (70_001, 255)] {
            let config = BinConfig(bins: bins)
            let floats = normal.prefix(size).map { Float($0 * 1e-40) }
            let floatSummary = try HistogramSummary(values: floats, bins: config)
            expectLinspace(floatSummary.histogram.edges, bins: bins, lo: Double(floats.min()!), hi: Double(floats.max()!),
                           ulp: Double(Float.leastNonzeroMagnitude), "Float \(size) \(bins)")
            expectCounts(floats, floatSummary, "Float \(size) \(bins)")
            #expect(try floats.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }.histogram == floatSummary.histogram)

            let doubles = normal.prefix(size).map { $0 * 1e-310 }
            let doubleSummary = try HistogramSummary(values: doubles, bins: config)
            expectLinspace(doubleSummary.histogram.edges, bins: bins, lo: doubles.min()!, hi: doubles.max()!,
                           ulp: Double.leastNonzeroMagnitude, "Double \(size) \(bins)")
            expectCounts(doubles, doubleSummary, "Double \(size) \(bins)")
            #expect(try doubles.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }.histogram == doubleSummary.histogram)
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

    /// Extremes near the largest double, or a subnormal smallest magnitude, span more decades
    /// than a quotient of the two can hold: the layout still splits its side bins by decades,
    /// and counts every value (these once trapped on `Int(nan)`).
    @Test func logarithmicScaleAcrossTheWholeDoubleRange() throws {
        let inputs: [[Double]] = [
            [-1.0, 1e-310, 1.0], [-1e10, 1e-300, 1.0], [-1e308, 1.0], [1e308, -1.0], [-1.7e308, 5e-324, 1.7e308],
            [-Double.greatestFiniteMagnitude, Double.leastNonzeroMagnitude, 2, Double.greatestFiniteMagnitude],
            Distribution.normal.sample(1000, seed: 3) + [1e-310, -1e300],
            // The smallest subnormals: half the smallest magnitude rounds to zero.
            [-1e-323, 5e-324], [-5e-324, 5e-324], [-2e-323, 5e-324, 1.0], [-5e-324, 1e-310],
        ]
        for values in inputs {
            for scale in [BinScale.logarithmic, .automatic] {
                for bins in [2, 3, 30] {
                    let summary = try HistogramSummary(values: values, bins: BinConfig(bins: bins, scale: scale))
                    #expect(summary.histogram.binCount == bins, "\(values.prefix(4)) \(scale) \(bins)")
                    expectCounts(values, summary, "\(values.prefix(4)) \(scale) \(bins)")
                }
            }
        }
        // [-1e308, 1]: t = 0.5; of the 29 side bins, 28 span the 308.3 decades below zero (29
        // negative edges) and one the 0.3 above.
        let edges = try HistogramSummary(values: [-1e308, 1.0], bins: BinConfig(bins: 30, scale: .logarithmic)).histogram.edges
        #expect(edges.filter { $0 < 0 }.count == 29)
    }
}

/// `Histogram(values:bins:)` (two passes, pair counting for few bins) equals the histogram of
/// `HistogramSummary(values:bins:)` and numpy's rule.
struct HistogramOnlyTests {
    static let configs: [BinConfig] = [
        BinConfig(), BinConfig(bins: 1), BinConfig(bins: 63), BinConfig(bins: 64), BinConfig(bins: 500),
        BinConfig(bins: 9, range: (-0.3, 0.9)), BinConfig(scale: .logarithmic), BinConfig(scale: .automatic),
        BinConfig(edges: [-3, -1, 0, 0.001, 1, 50]),
    ]

    @Test(arguments: Distribution.allCases)
    func equalsTheSummarysHistogram(_ distribution: Distribution) throws {
        for size in [0, 1, 7, 8, 9, 1000, 65_537] {
            var values = distribution.sample(size, seed: UInt64(size) &+ 17)
            for config in Self.configs {
                let floats = values.map { Float($0) }
                let histogram = try floats.withUnsafeBufferPointer { try Histogram(values: $0, bins: config) }
                #expect(histogram == (try HistogramSummary(values: floats, bins: config)).histogram, "\(distribution) \(size) \(config) Float")
                #expect(histogram.counts == ReferenceStatistics.counts(floats, edges: histogram.edges).counts, "\(distribution) \(size) \(config) Float reference")
                let doubles = try values.withUnsafeBufferPointer { try Histogram(values: $0, bins: config) }
                #expect(doubles == (try HistogramSummary(values: values, bins: config)).histogram, "\(distribution) \(size) \(config) Double")
            }
            if size > 2 { values[size / 2] = .nan }  // not clean any more: the masked path
            let doubles = try values.withUnsafeBufferPointer { try Histogram(values: $0) }
            #expect(doubles == (try HistogramSummary(values: values)).histogram)
        }
    }

    /// The histogram alone of finite values inside its bins counts pairs of slot groups from 2^12
    /// values on (`SecondPass.pairTableValues`; at most 30 bins) and single cells below: both
    /// equal the reference's counts, on each side of that size, for every bin count up to the
    /// limit and past it, with ties on the edges and values crowding one bin.
    @Test(arguments: [4_095, 4_096, 4_097, 16_385, 70_001])
    func histogramAloneOnEachSideOfThePairs(size: Int) throws {
        for distribution in [Distribution.normal, .reluOutputs, .integerTies, .gradientLike, .mixedSigns] {
            let doubles = distribution.sample(size, seed: UInt64(size))
            let floats = doubles.map { Float($0) }
            for bins in Array(1...32) + [64] {
                let config = BinConfig(bins: bins)
                let float = try floats.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }.histogram
                let double = try doubles.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }.histogram
                let label = "\(distribution) n=\(size) bins=\(bins)"
                #expect(float.counts == ReferenceStatistics.counts(floats.map(Double.init), edges: float.edges).counts, "\(label) Float")
                #expect(double.counts == ReferenceStatistics.counts(doubles, edges: double.edges).counts, "\(label) Double")
            }
        }
    }

    /// `ValueHistogram`'s extremes and counts equal the summary's, NaN and ±Inf included.
    @Test(arguments: Distribution.allCases)
    func valueHistogramCountsAndExtremes(_ distribution: Distribution) throws {
        for size in [0, 1, 9, 4099] {
            var values = distribution.sample(size, seed: UInt64(size) &+ 5)
            if size > 3 {
                values[1] = .nan
                values[2] = .infinity
                values[3] = -.infinity
            }
            for config in [BinConfig(), BinConfig(bins: 7, range: (-0.5, 0.5)), BinConfig(edges: [-1, 0, 2])] {
                let summary = try HistogramSummary(values: values, bins: config)
                for histogram in [
                    try values.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) },
                    try values.map { Float($0) }.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) },
                ] {
                    let s = summary.statistics
                    #expect(histogram.totalCount == s.totalCount && histogram.nanCount == s.nanCount && histogram.infCount == s.infCount)
                    #expect(histogram.histogram.underflow + histogram.histogram.overflow + Int(histogram.histogram.counts.reduce(0, +)) == s.totalCount)
                    #expect(isClose(histogram.min, s.min, relative: 1e-7) && isClose(histogram.max, s.max, relative: 1e-7), "\(histogram.min) \(s.min)")
                }
                let doubles = try values.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }
                #expect(doubles.histogram == summary.histogram && isClose(doubles.min, summary.statistics.min, relative: 0))
            }
        }
    }
}

/// The rule of `BinScale.automatic` (`AutomaticScale`): logarithmic when at least half of the
/// nonzero values lie more than three decades below the largest magnitude.
struct AutomaticScaleTests {
    func isLogarithmic(_ values: [Double]) throws -> Bool {
        let edges = try HistogramSummary(values: values, bins: BinConfig(bins: 10, scale: .automatic)).histogram.edges
        let linear = try HistogramSummary(values: values, bins: BinConfig(bins: 10, scale: .linear)).histogram.edges
        return edges != linear
    }

    @Test func normalAndUniformStayLinear() throws {
        #expect(try !isLogarithmic(Distribution.normal.sample(10_000, seed: 1)))
        #expect(try !isLogarithmic(Distribution.uniform.sample(10_000, seed: 1)))
        #expect(try !isLogarithmic(Distribution.integerTies.sample(1000, seed: 1)))
    }

    @Test func manyDecadesGoLogarithmic() throws {
        // log-uniform over 1e-6 ... 1e2: the median magnitude 1e-2 is 4 decades below the largest.
        var g = SeededGenerator(seed: 5)
        let spread = (0..<10_000).map { _ in Foundation.pow(10, Double.random(in: -6...2, using: &g)) * (Bool.random(using: &g) ? 1 : -1) }
        #expect(try isLogarithmic(spread))
        #expect(try isLogarithmic(spread.map(abs)))
        // Exactly on the rule: half of the nonzero values below 1e-3 of the largest.
        #expect(try isLogarithmic([0, 0, 0, 1e-4, 2e-4, 1, 0.5]))
        #expect(try !isLogarithmic([0, 0, 0, 1e-4, 1, 0.5, 0.7]))
    }

    /// The count behind the rule, vectorised, against a scalar reference: NaN, ±Inf and ±0 count
    /// in neither part, a magnitude equal to the threshold is not below it, sizes cross the vectors.
    @Test func countsMatchAScalarReference() {
        var g = SeededGenerator(seed: 8)
        for count in [0, 1, 7, 8, 9, 1000, 8193, 20_003] {
            var values = (0..<count).map { _ in Foundation.pow(10, Double.random(in: -8...3, using: &g)) * (Bool.random(using: &g) ? 1 : -1) }
            for i in stride(from: 0, to: count, by: 7) { values[i] = [0, -0.0, .nan, .infinity, -.infinity, 1e-3, -0.5][(i / 7) % 7] }
            let floats = values.map { Float($0) }
            let bfloat16s = floats.map { BFloat16(bitPattern: UInt16(truncatingIfNeeded: $0.bitPattern >> 16)) }
            for threshold in [1e-3, Double(Float(1e-3)), 0.5, 1e-300, 1e300] {
                func reference<T: BinaryFloatingPoint>(_ values: [T]) -> (Int, Int) {
                    let nonzero = values.filter { $0.isFinite && $0 != 0 }
                    return (nonzero.count, nonzero.filter { Double($0.magnitude) < threshold }.count)
                }
                let double = values.withUnsafeBufferPointer { ValueScan<Double>.countNonzero(ValueStream($0), below: threshold) }
                let float = floats.withUnsafeBufferPointer { ValueScan<Float>.countNonzero(ValueStream($0), below: threshold) }
                let bfloat16 = bfloat16s.withUnsafeBufferPointer { ValueScan<Float>.countNonzero(ValueStream($0), below: threshold) }
                #expect(double == reference(values), "Double n=\(count) below \(threshold)")
                #expect(float == reference(floats), "Float n=\(count) below \(threshold)")
                #expect(bfloat16 == reference(bfloat16s.map(\.floatValue)), "BFloat16 n=\(count) below \(threshold)")
            }
        }
    }

    @Test func degenerateInputsStayLinear() throws {
        #expect(try !isLogarithmic([]))
        #expect(try !isLogarithmic([0, 0, 0]))
        #expect(try !isLogarithmic([5]))
    }
}
