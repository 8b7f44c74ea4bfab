import Testing
@testable import HistLog

/// The special-values table: every input gives finite strictly increasing edges, consistent
/// counts and the reference statistics, and never traps.
struct SpecialValuesTests {
    static let doubleCases: [(String, [Double])] = [
        ("empty", []),
        ("zero", [0]),
        ("minus zero", [-0.0]),
        ("both zeros", [0, -0.0, 0, -0.0]),
        ("zeros among values", [0, -0.0, 1, -0.0, -1, 0]),
        ("denormals", [Double.leastNonzeroMagnitude, 2 * .leastNonzeroMagnitude, 5 * .leastNonzeroMagnitude]),
        ("denormal pair", [-Double.leastNonzeroMagnitude, .leastNonzeroMagnitude]),
        ("greatest finite", [Double.greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0]),
        ("greatest only", [Double.greatestFiniteMagnitude, .greatestFiniteMagnitude]),
        ("inf and nan", [.infinity, -.infinity, .nan, 1, 2]),
        ("all nan", [.nan, .nan, .nan]),
        ("all inf", [.infinity, -.infinity]),
        ("one value", [42]),
        ("all equal", [3.5, 3.5, 3.5, 3.5, 3.5]),
        ("all equal huge", [1e300, 1e300, 1e300]),
        ("all equal tiny", [Double.leastNormalMagnitude / 4, Double.leastNormalMagnitude / 4]),
        ("near one", [1, 1.0000000000000002, 1.0000000000000004]),
    ]

    static let floatCases: [(String, [Float])] = [
        ("empty", []),
        ("minus zero", [-0.0, 0]),
        ("denormals", [Float.leastNonzeroMagnitude, 3 * .leastNonzeroMagnitude]),
        ("greatest finite", [Float.greatestFiniteMagnitude, -.greatestFiniteMagnitude]),
        ("greatest only", [Float.greatestFiniteMagnitude]),
        ("inf and nan", [.infinity, -.infinity, .nan, -1, 1]),
        ("all nan", [Float](repeating: .nan, count: 37)),
        ("all equal", [Float](repeating: 1e8, count: 33)),
        ("all equal huge", [Float](repeating: 3e38, count: 3)),
        ("near one", [1, Float(1).nextUp, Float(1).nextUp.nextUp]),
    ]

    func check<T: BinaryFloatingPoint>(_ name: String, _ values: [T], _ summary: HistogramSummary) {
        let h = summary.histogram
        #expect(h.edges.count == 31 && BinLayout<Double>.isStrictlyIncreasing(h.edges), "\(name): edges \(h.edges)")
        let reference = ReferenceStatistics(values)
        #expect(h.counts == ReferenceStatistics.counts(values, edges: h.edges).counts, "\(name): counts")
        #expect(Int(h.counts.reduce(0, +)) == reference.count, "\(name): binned")
        let s = summary.statistics
        #expect(s.totalCount == reference.count && s.nanCount == reference.nans && s.infCount == reference.infs, "\(name): counts")
        #expect(s.zeroCount == reference.zeros, "\(name): zeros")
        for (q, r) in zip(s.quantiles, reference.quantiles) {
            #expect(q == r || (q.isNaN && r.isNaN) || (!r.isFinite && q >= s.min && q <= s.max), "\(name): quantiles \(s.quantiles) vs \(reference.quantiles)")
        }
        if reference.count == 0 {
            #expect(s.mean.isNaN && s.standardDeviation.isNaN && s.min.isNaN && s.max.isNaN && s.skewness.isNaN && s.kurtosis.isNaN, "\(name): NaN statistics")
            #expect(h.edges.first == 0 && h.edges.last == 1, "\(name): numpy's empty range")
        } else {
            #expect(s.min == reference.min && s.max == reference.max, "\(name): extremes")
            #expect(s.quantiles.allSatisfy { $0 >= s.min && $0 <= s.max }, "\(name): quantiles within extremes")
        }
    }

    @Test func doubleTable() throws {
        for (name, values) in Self.doubleCases { check(name, values, try HistogramSummary(values: values)) }
    }

    @Test func floatTable() throws {
        for (name, values) in Self.floatCases { check(name, values, try HistogramSummary(values: values)) }
    }

    /// Pass 1 counts NaN only in the blocks (8,192 values) where it sees one: a NaN in the first or
    /// last lane of a block, in one block of many, in the padded tail, or in every block is counted
    /// once, and never moves the extremes.
    @Test(arguments: [[0], [8_191], [8_192], [16_387], [24_580], [0, 8_191, 8_192, 24_580], Array(stride(from: 5, to: 24_581, by: 997))])
    func nanCountedWhereverItLies(positions: [Int]) throws {
        let count = 3 * 8_192 + 5
        var doubles = Distribution.normal.sample(count, seed: 7)
        for i in positions { doubles[i] = .nan }
        let floats = doubles.map { Float($0) }
        let bfloats = floats.map { BFloat16Tests.bfloat16($0) }
        let finite = floats.filter { !$0.isNaN }
        let label = "NaN at \(positions)"
        func expectCounts(_ summary: HistogramSummary, _ alone: ValueHistogram, _ type: String) {
            #expect(summary.statistics.nanCount == positions.count && alone.nanCount == positions.count, "\(label) \(type)")
            #expect(summary.statistics.totalCount == finite.count && alone.totalCount == finite.count, "\(label) \(type)")
            #expect(alone.min == summary.statistics.min && alone.max == summary.statistics.max, "\(label) \(type)")
        }
        try floats.withUnsafeBufferPointer { buffer in
            let summary = try HistogramSummary(values: buffer)
            expectCounts(summary, try ValueHistogram(values: buffer), "Float")
            #expect(summary.statistics.min == Double(finite.min()!) && summary.statistics.max == Double(finite.max()!), "\(label)")
        }
        try doubles.withUnsafeBufferPointer { expectCounts(try HistogramSummary(values: $0), try ValueHistogram(values: $0), "Double") }
        try bfloats.withUnsafeBufferPointer { expectCounts(try HistogramSummary(values: $0), try ValueHistogram(values: $0), "BFloat16") }
    }

    /// Pass 1's running extremes take a NaN for one vector when it falls in their lane: a block
    /// holding a NaN has its extremes taken again. Each extreme here is followed, in its own lane
    /// (4 and 8 values on: a vector of `Double`s, of `Float`s), by NaN.
    @Test(arguments: 0..<16)
    func extremesBeforeANaNInTheirLaneAreKept(position: Int) throws {
        var doubles = Distribution.normal.sample(1_000, seed: UInt64(position))
        doubles[position] = -100
        doubles[position + 16] = 100
        for after in [4, 8, 20, 24] { doubles[position + after] = .nan }
        let floats = doubles.map { Float($0) }
        let bfloats = floats.map { BFloat16Tests.bfloat16($0) }
        func expectExtremes(_ summary: HistogramSummary, _ alone: ValueHistogram, _ type: String) {
            #expect(summary.statistics.min == -100 && summary.statistics.max == 100, "\(type) at \(position)")
            #expect(alone.min == -100 && alone.max == 100 && alone.nanCount == 4, "\(type) at \(position)")
        }
        try floats.withUnsafeBufferPointer { expectExtremes(try HistogramSummary(values: $0), try ValueHistogram(values: $0), "Float") }
        try doubles.withUnsafeBufferPointer { expectExtremes(try HistogramSummary(values: $0), try ValueHistogram(values: $0), "Double") }
        try bfloats.withUnsafeBufferPointer { expectExtremes(try HistogramSummary(values: $0), try ValueHistogram(values: $0), "BFloat16") }
    }

    @Test func allEqualWidensByHalfLikeNumpy() throws {
        let h = try HistogramSummary(values: [2.0, 2, 2], bins: BinConfig(bins: 4)).histogram
        #expect(h.edges == [1.5, 1.75, 2, 2.25, 2.5])
        #expect(h.counts == [0, 0, 3, 0])
        let s = try HistogramSummary(values: [2.0, 2, 2, 2, 2]).statistics
        #expect(s.standardDeviation == 0 && s.skewness.isNaN && s.kurtosis.isNaN)
    }

    /// Float64 values anywhere in the double range have the moments of the same values at an
    /// ordinary magnitude, scaled by the power of two between them: fourth powers beyond 2^±1023
    /// are taken of scaled values. Small inputs (the selection among all values) and large ones
    /// (cells and groups), with outliers counted at both magnitudes. (Below 2^-1022 the mean and
    /// std themselves would be subnormal, with fewer bits than the values'.)
    @Test(arguments: [-1000, -900, -300, -201, 200, 300, 900, 1000])
    func momentsAtEveryMagnitude(power: Int) throws {
        for (size, distribution) in [(1_000, Distribution.shiftedNoise), (50_000, .gradientLike)] {
            let base = distribution.sample(size, seed: 11)
            let scaled = base.map { Double(sign: .plus, exponent: power, significand: $0) }
            // Tiny values lose bits as subnormals: the reference is taken of the scaled values brought back.
            let reference = try HistogramSummary(values: scaled.map { Double(sign: .plus, exponent: -power, significand: $0) }).statistics
            let s = try HistogramSummary(values: scaled).statistics
            func back(_ x: Double, _ times: Int = 1) -> Double { Double(sign: .plus, exponent: -times * power, significand: x) }
            let label = "2^\(power), \(size) \(distribution) values"
            #expect(isClose(back(s.mean), reference.mean, relative: 1e-12, absolute: 1e-12 * reference.standardDeviation), "\(label): mean")
            #expect(isClose(back(s.standardDeviation), reference.standardDeviation, relative: 1e-12), "\(label): std")
            #expect(isClose(s.skewness, reference.skewness, relative: 1e-9, absolute: 1e-12), "\(label): skewness \(s.skewness)")
            #expect(isClose(s.kurtosis, reference.kurtosis, relative: 1e-9, absolute: 1e-12), "\(label): kurtosis \(s.kurtosis)")
            #expect(s.outlierCount == reference.outlierCount, "\(label): outliers")
            if power <= 900 {  // beyond, the sum itself can leave the double range
                #expect(isClose(back(s.sum), reference.sum, relative: 1e-12, absolute: 1e-12 * reference.standardDeviation), "\(label): sum")
            }
        }
    }

    /// Values near the largest double in both signs: their deviations from a shift overflow,
    /// the mean does not (it once came out -1.6e308 for this input).
    @Test func meanOfValuesNearTheLargestDouble() throws {
        let s = try HistogramSummary(values: [-1.6e308, 1.6e308, 1e308]).statistics
        #expect(isClose(s.mean, 1e308 / 3, relative: 1e-15) && isClose(s.sum, 1e308, relative: 1e-15), "mean \(s.mean), sum \(s.sum)")
        let unit = [-1.6e8, 1.6e8, 1e8], unitMean = unit.reduce(0, +) / 3
        let unitStd = (unit.map { ($0 - unitMean) * ($0 - unitMean) }.reduce(0, +) / 2).squareRoot()
        #expect(isClose(s.standardDeviation, unitStd * 1e300, relative: 1e-12), "std \(s.standardDeviation)")
        let greatest = try HistogramSummary(values: [Double.greatestFiniteMagnitude, .greatestFiniteMagnitude]).statistics
        #expect(greatest.mean == .greatestFiniteMagnitude && greatest.standardDeviation == 0 && greatest.sum == .infinity)
    }

    /// When `mean ± 3 std` lies beyond the largest double in one direction only, the outliers on
    /// the other side are still counted: the bounds are taken among the scaled values.
    @Test func outliersWhereThreeStandardDeviationsOverflow() throws {
        let shape = [Double](repeating: -1.7, count: 19) + [1.7]
        let ordinary = try HistogramSummary(values: shape).statistics
        #expect(ordinary.outlierCount == 1)
        let huge = try HistogramSummary(values: shape.map { $0 * 1e308 }).statistics
        #expect(huge.standardDeviation.isFinite && (3 * huge.standardDeviation).isInfinite)
        #expect(huge.outlierCount == 1)
    }

    /// NaN at every other index hides every position an even sampling stride lands on: the centre
    /// of the power sums is then sampled at the next offset, not taken at the midrange (which an
    /// outlier drags far from the mean, costing the moments about ten digits). And the scaled
    /// path keeps its precision over a million values, NaN among them.
    @Test(arguments: [0, 700, -700])
    func momentsWithNaNAtEveryOtherIndex(power: Int) throws {
        var values = Distribution.normal.sample(1 << 18, seed: 4).map { 1 + $0 }
        values[1] = 1e7
        for i in stride(from: 0, to: values.count, by: 2) { values[i] = .nan }
        let finite = values.filter { !$0.isNaN }
        let s = try HistogramSummary(values: values.map { Double(sign: .plus, exponent: power, significand: $0) }).statistics
        let reference = ReferenceStatistics(finite)
        func back(_ x: Double) -> Double { Double(sign: .plus, exponent: -power, significand: x) }
        #expect(isClose(back(s.mean), reference.mean, relative: 1e-13), "2^\(power): mean \(back(s.mean)) vs \(reference.mean)")
        #expect(isClose(back(s.standardDeviation), reference.std, relative: 1e-13), "2^\(power): std \(back(s.standardDeviation)) vs \(reference.std)")
    }

    @Test func undefinedMomentsAreNaN() throws {
        #expect(try HistogramSummary(values: [1.0]).statistics.standardDeviation.isNaN)
        #expect(try HistogramSummary(values: [1.0, 2]).statistics.skewness.isNaN)
        #expect(try HistogramSummary(values: [1.0, 2, 4]).statistics.kurtosis.isNaN)
        #expect(!(try HistogramSummary(values: [1.0, 2, 4]).statistics.skewness.isNaN))
    }

    @Test func everyBinCountForExtremeRanges() throws {
        for bins in [1, 2, 3, 30, 1000] {
            let cases: [[Double]] = [[.greatestFiniteMagnitude, -.greatestFiniteMagnitude], [1e300, 1e300], [.leastNonzeroMagnitude, 0]]
            for values in cases {
                let h = try HistogramSummary(values: values, bins: BinConfig(bins: bins)).histogram
                #expect(h.binCount == bins && BinLayout<Double>.isStrictlyIncreasing(h.edges), "\(values) \(bins)")
                #expect(h.counts == ReferenceStatistics.counts(values, edges: h.edges).counts, "\(values) \(bins)")
            }
            let floats: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude]
            let h = try HistogramSummary(values: floats, bins: BinConfig(bins: bins)).histogram
            #expect(h.binCount == bins && BinLayout<Double>.isStrictlyIncreasing(h.edges))
            #expect(h.counts == ReferenceStatistics.counts(floats, edges: h.edges).counts)
        }
    }
}
