import Foundation
import Testing
@testable import HistLog

/// Every statistic of raw values against the sort-based reference, per distribution and size.
struct ExactStatisticsTests {
    // Around the limits of the small-input paths: cells per value (64), every value selected
    // (2^11 with NaN, ±Inf or zeros, 2^12 without), every value a candidate (2^14).
    static let sizes = [0, 1, 2, 3, 4, 5, 63, 65, 100, 2_048, 2_049, 4_096, 4_097, 10_001, 16_384, 16_385]

    func check<T: BinaryFloatingPoint>(_ values: [T], _ summary: HistogramSummary, relative: Double = 1e-9, _ label: String) {
        let reference = ReferenceStatistics(values)
        let s = summary.statistics
        #expect(s.totalCount == reference.count, "\(label) count")
        #expect(s.nanCount == reference.nans && s.infCount == reference.infs, "\(label) nan/inf")
        #expect(s.zeroCount == reference.zeros, "\(label) zeros")
        #expect(isClose(s.min, reference.min, relative: 0) && isClose(s.max, reference.max, relative: 0), "\(label) extremes")
        #expect(isClose(s.mean, reference.mean, relative: relative, absolute: 1e-12), "\(label) mean \(s.mean) vs \(reference.mean)")
        #expect(isClose(s.standardDeviation, reference.std, relative: relative * 100), "\(label) std \(s.standardDeviation) vs \(reference.std)")
        #expect(isClose(s.skewness, reference.skewness, relative: 1e-6, absolute: 1e-9), "\(label) skew \(s.skewness) vs \(reference.skewness)")
        #expect(isClose(s.kurtosis, reference.kurtosis, relative: 1e-6, absolute: 1e-9), "\(label) kurt \(s.kurtosis) vs \(reference.kurtosis)")
        for (q, r) in zip(s.quantiles, reference.quantiles) {
            #expect(q == r || (q.isNaN && r.isNaN), "\(label) quantiles \(s.quantiles) vs \(reference.quantiles)")
        }
        #expect(s.estimated == [], "\(label) exact")
        // Outliers sit on a threshold computed from rounded moments: allow a value exactly there.
        #expect(abs(s.outlierCount - reference.outliers) <= 1, "\(label) outliers \(s.outlierCount) vs \(reference.outliers)")
    }

    /// Counts, underflow and overflow against the reference over the histogram's own edges.
    func expectCounts(_ histogram: Histogram, _ reference: [Double], _ label: String) {
        let expected = ReferenceStatistics.counts(reference, edges: histogram.edges)
        #expect(histogram.counts == expected.counts, "\(label) counts")
        #expect(histogram.underflow == expected.under && histogram.overflow == expected.over, "\(label) under/over")
    }

    /// `values` as Double, Float and bfloat16: the counts, both totals and every statistic of each
    /// summary, and the counts of the Float histogram alone.
    func checkEveryType(_ values: [Double], bins config: BinConfig, _ label: String) throws {
        let floats = values.map { Float($0) }
        let bfloats = floats.map { BFloat16Tests.bfloat16($0) }
        let widened = bfloats.map(\.floatValue)
        let double = try HistogramSummary(values: values, bins: config), float = try HistogramSummary(values: floats, bins: config)
        let narrow = try bfloats.withUnsafeBufferPointer { try HistogramSummary(values: $0, bins: config) }
        expectCounts(double.histogram, values, "\(label) Double")
        expectCounts(float.histogram, floats.map(Double.init), "\(label) Float")
        expectCounts(narrow.histogram, widened.map(Double.init), "\(label) bfloat16")
        check(values, double, "\(label) Double")
        check(floats, float, relative: 1e-7, "\(label) Float")
        check(widened, narrow, relative: 1e-7, "\(label) bfloat16")
        let alone = try floats.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }
        expectCounts(alone.histogram, floats.map(Double.init), "\(label) Float histogram alone")
    }

    /// Bin layouts change how the engine locates quantiles (fine cells, radix buckets, values
    /// outside a range); the statistics must not change.
    static let configs: [BinConfig] = [
        BinConfig(), BinConfig(bins: 7, range: (-0.5, 0.25)), BinConfig(scale: .logarithmic),
        BinConfig(edges: [-1, 0, 0.5, 2, 100]), BinConfig(bins: 2000),
    ]

    @Test(arguments: Distribution.allCases)
    func doubleValues(_ distribution: Distribution) throws {
        for size in Self.sizes {
            let values = distribution.sample(size, seed: UInt64(size))
            for config in Self.configs {
                check(values, try HistogramSummary(values: values, bins: config), "\(distribution) n=\(size) Double \(config)")
            }
        }
    }

    @Test(arguments: Distribution.allCases)
    func floatValues(_ distribution: Distribution) throws {
        for size in Self.sizes {
            let values = distribution.sample(size, seed: UInt64(size) + 99).map { Float($0) }
            for config in Self.configs {
                check(values, try HistogramSummary(values: values, bins: config), relative: 1e-7, "\(distribution) n=\(size) Float \(config)")
            }
        }
    }

    @Test(arguments: [Distribution.normal, .integerTies, .mixedSigns, .manyZeros, .gradientLike, .reluOutputs])
    func largeInput(_ distribution: Distribution) throws {
        let values = distribution.sample(1_000_003, seed: 5).map { Float($0) }
        check(values, try HistogramSummary(values: values), relative: 1e-7, "\(distribution) n=1_000_003 Float")
        check(values, try HistogramSummary(values: values, bins: BinConfig(bins: 10, range: (-0.1, 0.2))), relative: 1e-7, "\(distribution) n=1_000_003 Float range")
    }

    /// A small input has about one cell per value, so the quantiles' ranks often fall in more
    /// cells than the gather kernels take targets: every value is then a candidate, found by its
    /// cell slot. Many seeds, so that both sides of that limit are crossed, with and without
    /// values outside the layout (groups that are not cells) and non-finite values.
    @Test(arguments: [1_000, 4_096, 9_999, 16_384])
    func smallInputsWithManyQuantileCells(size: Int) throws {
        for seed in 0..<24 {
            let distribution = [Distribution.normal, .gradientLike, .mixedSigns][seed % 3]
            var values = distribution.sample(size, seed: UInt64(1000 + seed)).map { Float($0) }
            check(values, try HistogramSummary(values: values), relative: 1e-7, "\(distribution) n=\(size) seed \(seed)")
            check(values, try HistogramSummary(values: values, bins: BinConfig(bins: 30, range: (-0.5, 0.5))), relative: 1e-7,
                  "\(distribution) n=\(size) seed \(seed) range")
            values[seed] = [.nan, .infinity, -.infinity][seed % 3]
            check(values, try HistogramSummary(values: values), relative: 1e-7, "\(distribution) n=\(size) seed \(seed) non-finite")
        }
    }

    /// Pass 3 reads the cell slots pass 2 kept for the whole stream vectors, and the ragged tail
    /// (the last `count % lanes` values) from the values: the order statistics the quantiles need,
    /// the median's first, are moved into that tail.
    @Test(arguments: [1_003, 65_541, 300_007])
    func quantilesInTheRaggedTail(size: Int) throws {
        func movingQuantilesToTheEnd<T: BinaryFloatingPoint>(_ values: [T], tail: Int) -> [T] {
            let order = values.indices.sorted { values[$0] < values[$1] }
            var wanted = [Int]()
            for p in [0.5, 0.25, 0.75, 0.1, 0.9] {
                let rank = QuantileRank(probability: p, count: values.count)
                for r in [rank.lower, rank.upper] where !wanted.contains(order[r]) { wanted.append(order[r]) }
            }
            let moved = Array(wanted.prefix(tail))
            return values.indices.filter { !moved.contains($0) }.map { values[$0] } + moved.reversed().map { values[$0] }
        }
        let sample = Distribution.normal.sample(size, seed: 77)
        let doubles = movingQuantilesToTheEnd(sample, tail: size % Double.Vector.scalarCount)
        check(doubles, try HistogramSummary(values: doubles), "normal n=\(size) Double, quantiles in the tail")
        let floats = movingQuantilesToTheEnd(sample.map { Float($0) }, tail: size % Float.Vector.scalarCount)
        check(floats, try HistogramSummary(values: floats), relative: 1e-7, "normal n=\(size) Float, quantiles in the tail")
    }

    /// Exact zeros that crowd a cell are kept by pass 2 under a slot of their own, which pass 3
    /// never reads. When their cell also holds the lower inlier bound, they are counted as
    /// outliers all together: 2% zeros below values spread so that mean - 3 std falls a quarter
    /// cell above zero (about 1,920 cells over the range), every zero an outlier.
    @Test func zerosSetApartInTheCellOfAnInlierBound() throws {
        let zeros = 2_000, spread = 98_000
        func values(halfWidth a: Double) -> [Double] {
            [Double](repeating: 0, count: zeros) + (0..<spread).map { 1 - a + 2 * a * (Double($0) + 0.5) / Double(spread) }
        }
        func lowerBound(_ x: [Double]) -> Double {
            let mean = x.reduce(0, +) / Double(x.count)
            let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1)
            return mean - 3 * variance.squareRoot()
        }
        // mean - 3 std falls as the spread widens: bisect for a quarter cell above zero.
        var low = 0.3, high = 0.8
        for _ in 0..<60 {
            let a = (low + high) / 2
            if lowerBound(values(halfWidth: a)) > (1 + a) / 1920 / 4 { low = a } else { high = a }
        }
        var x = values(halfWidth: low)
        let bound = lowerBound(x)
        #expect(bound > 0 && bound < (1 + low) / 1920 / 2, "mean - 3 std = \(bound)")
        // Zeros spread through the input, as a gradient's are.
        for i in 0..<zeros { x.swapAt(i, i * (x.count / zeros) + 7) }
        let summary = try HistogramSummary(values: x)
        #expect(summary.statistics.outlierCount == zeros, "outliers \(summary.statistics.outlierCount)")
        check(x, summary, "2% zeros, lower inlier bound in their cell")
        let floats = x.map { Float($0) }
        check(floats, try HistogramSummary(values: floats), relative: 1e-7, "2% zeros, lower inlier bound in their cell, Float")
    }

    @Test func largeDoubleInputWithNonFiniteValues() throws {
        var values = Distribution.lognormal.sample(300_001, seed: 9)
        for i in stride(from: 0, to: values.count, by: 1000) { values[i] = [.nan, .infinity, -.infinity][i % 3] }
        for config in Self.configs {
            check(values, try HistogramSummary(values: values, bins: config), "lognormal with NaN/Inf \(config)")
        }
    }

    /// Heavy tails stretch the range far beyond the bulk of the values: the engine takes finer
    /// cells for them (never for a small input), and every statistic stays exact.
    @Test func heavyTails() throws {
        #expect(ValueSummarizer.fineBits(binCount: 30, count: 1_000_000) == 6)
        #expect(ValueSummarizer.fineBits(binCount: 30, count: 1_000_000, spread: 10) == 6)
        #expect(ValueSummarizer.fineBits(binCount: 30, count: 1_000_000, spread: 100) == 9)
        #expect(ValueSummarizer.fineBits(binCount: 30, count: 1_000_000, spread: 1_000) == 10)
        #expect(ValueSummarizer.fineBits(binCount: 30, count: 100_000, spread: 100) == 8)
        #expect(ValueSummarizer.fineBits(binCount: 30, count: 20_000, spread: 100) == 6)
        // Below 32,768 values an ordinary spread takes a cell per 16 values; heavy tails keep theirs.
        #expect(ValueSummarizer.fineBits(binCount: 30, count: 4_096, spread: 5) == 3)
        #expect(ValueSummarizer.fineBits(binCount: 30, count: 16_384, spread: 5) == 5)
        #expect(ValueSummarizer.fineBits(binCount: 30, count: 32_768, spread: 5) == 6)
        #expect(ValueSummarizer.fineBits(binCount: 30, count: 4_096, spread: 100) == 6)
        let a = Distribution.normal.sample(400_003, seed: 21), b = Distribution.normal.sample(400_003, seed: 22)
        let values = zip(a, b).map { $0 * Foundation.exp(1.5 * $1) }  // the largest ~100 standard deviations out
        check(values, try HistogramSummary(values: values), "heavy tails Double")
        let floats = values.map { Float($0) }
        check(floats, try HistogramSummary(values: floats), relative: 1e-7, "heavy tails Float")
        let relu = floats.map { Swift.max($0, 0) }
        check(relu, try HistogramSummary(values: relu), relative: 1e-7, "heavy tails, half zeros")
    }

    /// Tails far heavier than the cells can follow: the quantiles' cells crowd, are gathered
    /// whole and split by key bits, or refined by a counting pass first when they hold more than
    /// the gather budget; a refined cell's parts are found by its slot.
    @Test(arguments: [20_000, 65_537, 150_001])
    func crowdedQuantileCells(size: Int) throws {
        for (seed, tail) in [(31, 2.5), (32, 3.0), (33, 3.5)] {
            let a = Distribution.normal.sample(size, seed: UInt64(seed)), b = Distribution.normal.sample(size, seed: UInt64(seed + 100))
            let values = zip(a, b).map { $0 * Foundation.exp(tail * $1) }
            check(values, try HistogramSummary(values: values), "tail \(tail) n=\(size) Double")
            let floats = values.map { Float($0) }
            check(floats, try HistogramSummary(values: floats), relative: 1e-7, "tail \(tail) n=\(size) Float")
            let relu = floats.map { Swift.max($0, 0) }
            check(relu, try HistogramSummary(values: relu), relative: 1e-7, "tail \(tail) n=\(size), half zeros")
        }
    }

    /// One exploding element far beyond the bulk (a gradient spike): the bulk
    /// falls in a few neighbouring cells, each holding several quantiles and more than the gather
    /// budget. They are refined together, as one key range in one pass, and gathered by key
    /// digits; a neighbour crowded with exact zeros is refined on its own; NaN takes a slot of
    /// its own.
    @Test func spikeFarBeyondTheBulk() throws {
        let bulk = Distribution.normal.sample(200_003, seed: 61).map { Float($0) }
        var spiked = bulk
        spiked[17] = -26_275
        spiked[100_000] = 2_424
        check(spiked, try HistogramSummary(values: spiked), relative: 1e-7, "spike")
        var zeros = spiked
        for i in stride(from: 3, to: zeros.count, by: 9) { zeros[i] = 0 }
        check(zeros, try HistogramSummary(values: zeros), relative: 1e-7, "spike with 11% zeros")
        var unclean = spiked
        for i in stride(from: 5, to: unclean.count, by: 2_003) { unclean[i] = .nan }
        check(unclean, try HistogramSummary(values: unclean), relative: 1e-7, "spike with NaN")
        let doubles = spiked.map { Double($0) * 1.5 }
        check(doubles, try HistogramSummary(values: doubles), "spike Double")
    }

    /// Finite values outside an explicit range or explicit edges take the fast cell kernel, which
    /// sets them apart as underflow and overflow: counts, both totals and every statistic exact,
    /// for the summary and the histogram alone, bins of equal and unequal widths, Float, Double
    /// and bfloat16.
    @Test func finiteValuesOutsideTheBins() throws {
        let values = Distribution.gradientLike.sample(50_001, seed: 71)
        for config in [BinConfig(bins: 30, range: (-0.5, 0.25)), BinConfig(edges: [-1, -0.01, 0, 1e-3, 0.5, 2])] {
            let edges = try HistogramSummary(values: values, bins: config).histogram.edges
            #expect(values.contains { $0 < edges[0] } && values.contains { $0 > edges[edges.count - 1] }, "\(config): values on both sides")
            try checkEveryType(values, bins: config, "\(config)")
        }
    }

    /// NaN and ±Inf (a diverged tensor, an overflowed fp16 gradient) take the fast kernel: set
    /// apart from the bins, the power sums and under/overflow, and the finite extremes found again
    /// when the first pass meets ±Inf. Each kind alone and all together, one in a vector or a run
    /// of them, in the first block and the ragged tail; counts, both totals and every statistic
    /// exact, for the summary and the histogram alone, Float, Double and bfloat16.
    @Test func nonFiniteValuesOnTheFastKernel() throws {
        let base = Distribution.gradientLike.sample(40_003, seed: 73)
        let kinds: [(String, [Double])] = [
            ("NaN", [.nan]), ("+Inf", [.infinity]), ("-Inf", [-.infinity]), ("all", [.nan, .infinity, -.infinity]),
        ]
        let configs = [BinConfig(), BinConfig(bins: 30, range: (-0.5, 0.25)), BinConfig(scale: .logarithmic), BinConfig(edges: [-1, -0.01, 0, 1e-3, 0.5, 2])]
        for (kind, specials) in kinds {
            var values = base
            for (k, i) in [0, 5, 6, 7, 8, 9, 10, 11, 12, 4_099, 20_000, 39_999, 40_002].enumerated() { values[i] = specials[k % specials.count] }
            let floats = values.map { Float($0) }
            for config in configs {
                let label = "\(kind) \(config)"
                try checkEveryType(values, bins: config, label)
                for (name, alone, reference) in [
                    ("Float", try floats.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }, floats.map(Double.init)),
                    ("Double", try values.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }, values),
                ] {
                    expectCounts(alone.histogram, reference, "\(label) \(name) histogram alone")
                    let finite = reference.filter(\.isFinite)
                    #expect(alone.min == finite.min() && alone.max == finite.max(), "\(label) \(name) histogram alone extremes")
                    #expect(alone.nanCount == reference.count { $0.isNaN } && alone.infCount == reference.count { $0.isInfinite }, "\(label) \(name) nan/inf")
                }
            }
        }
    }

    /// Bins of unequal widths (explicit edges, log scale) are counted through equal-width cells
    /// and a bin per cell: values on every edge and one step to either side of it, edges that
    /// share a cell (a compare decides) or crowd one (searched), many edges (beyond 2^12 bins
    /// searched without cells), Float and Double.
    @Test func unequalBinsCountedThroughCells() throws {
        let edgeSets: [[Double]] = [
            [-3, -1, -0.5, 0, 0.25, 2, 3],
            [-1, 0, 1e-6, 2e-6, 3e-6, 1],  // several edges in one cell
            [0, 1e-3, 0.5, 0.5 + 1e-3, 1],
            (0...200).map { -2 + 4 * pow(Double($0) / 200, 3) },  // 200 bins, dense at one end
            (0...5_000).map { -2 + 4 * pow(Double($0) / 5_000, 2) },  // more bins than cells are made for: searched
        ]
        for (e, edges) in edgeSets.enumerated() {
            var values = Distribution.normal.sample(20_001, seed: UInt64(40 + e))
            for edge in edges { values += [edge, edge.nextUp, edge.nextDown, Double(Float(edge)), Double(Float(edge).nextUp), Double(Float(edge).nextDown)] }
            let floats = values.map { Float($0) }
            // Every value inside the edges takes the kernels' fast path.
            let inside = floats.map { Swift.min(Swift.max($0, Float(edges[0]).nextUp), Float(edges[edges.count - 1]).nextDown) }
            for (label, summary, reference) in [
                ("Float inside", try HistogramSummary(values: inside, bins: BinConfig(edges: edges)), ReferenceStatistics.counts(inside, edges: edges)),
                ("Double", try HistogramSummary(values: values, bins: BinConfig(edges: edges)), ReferenceStatistics.counts(values, edges: edges)),
                ("Float", try HistogramSummary(values: floats, bins: BinConfig(edges: edges)), ReferenceStatistics.counts(floats, edges: edges)),
            ] {
                #expect(summary.histogram.counts == reference.counts, "edges \(e) \(label) counts")
                #expect(summary.histogram.underflow == reference.under && summary.histogram.overflow == reference.over, "edges \(e) \(label) under/over")
                let alone = try floats.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: BinConfig(edges: edges)) }
                #expect(alone.histogram.counts == ReferenceStatistics.counts(floats, edges: edges).counts, "edges \(e) histogram alone")
            }
            check(values, try HistogramSummary(values: values, bins: BinConfig(edges: edges)), "edges \(e) Double")
            check(floats, try HistogramSummary(values: floats, bins: BinConfig(edges: edges)), relative: 1e-7, "edges \(e) Float")
        }
        for distribution in [Distribution.normal, .gradientLike, .reluOutputs, .lognormal] {
            for size in [1_000, 50_001] {
                let values = distribution.sample(size, seed: UInt64(size)).map { Float($0) }
                let summary = try HistogramSummary(values: values, bins: BinConfig(scale: .logarithmic))
                #expect(summary.histogram.counts == ReferenceStatistics.counts(values, edges: summary.histogram.edges).counts, "\(distribution) log \(size)")
                check(values, summary, relative: 1e-7, "\(distribution) log \(size)")
            }
        }
    }

    /// ±Inf are outliers of no cell: with the inlier bounds in the first and the last cell and the
    /// third pass reading values (more than 1/32 of them within a zero tolerance, so no slots are
    /// kept), ±Inf reach the gather as candidates of the first cell's slot; the outlier count must
    /// still leave them out. Ties put the quantiles in three cells, so that the gather kernels
    /// look for every cell's slots (at most `GatherPlan.maximumTargets`).
    @Test func infinitiesBesideInlierBoundsInTheEndCells() throws {
        var values = (0..<60_000).map { i -> Double in
            switch i % 20 {
            case 0: 1e-4  // 5% within the zero tolerance
            case 1...8: -1
            case 9...11: 0.3
            default: 1
            }
        }
        let finite = values.map { Double(Float($0)) }
        let mean = finite.reduce(0, +) / Double(finite.count)
        let std = (finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count - 1)).squareRoot()
        let width = 6 * std / Double(30 * 64 - 1)  // the range's cells, each bound half a cell inside it
        let config = BinConfig(bins: 30, range: (mean - 3 * std - width / 2, mean + 3 * std + width / 2))
        for i in [7, 4_003, 59_999] { values[i] = .infinity }
        for i in [11, 30_001] { values[i] = -.infinity }
        values[13] = .nan
        let floats = values.map { Float($0) }
        let options = StatisticsOptions(zeroTolerance: 1e-3)
        let summary = try HistogramSummary(values: floats, bins: config, options: options)
        let reference = ReferenceStatistics(floats)
        #expect(summary.statistics.infCount == 5 && summary.statistics.nanCount == 1)
        #expect(summary.histogram.underflow == 0 && summary.histogram.overflow == 0, "every finite value inside the range")
        #expect(abs(summary.statistics.outlierCount - reference.outliers) <= 1, "outliers \(summary.statistics.outlierCount) vs \(reference.outliers)")
        #expect(summary.statistics.quantiles == reference.quantiles)
    }

    /// Edges crowding one cell (log-spaced ones near zero, beside a far spike that stretches the
    /// cells) are resolved by key digits in inputs large enough for the table: values on every
    /// edge and one step to either side of it, at the digits' boundaries (powers of two), ±0 with
    /// an edge at 0 and without one, and with the first or last edge at 0; Float and Double, the summary and the histogram alone, with
    /// values outside the edges and without them (every bin then found by its digit, `digitBlock`:
    /// always for the histogram alone, for the summary when the edges crowd the values' cells).
    @Test func crowdedEdgesResolvedByKeyDigits() throws {
        var base = Distribution.gradientLike.sample(3 * SecondPass.digitTableValues, seed: 81)
        base[17] = -300
        base[18] = 0
        base[19] = -0.0
        for e in -40...2 { base += [exp2(Double(e)), -exp2(Double(e)), exp2(Double(e)).nextDown, -exp2(Double(e)).nextUp] }
        let crowded: [Double] = [-300, -1, -1e-3, -1e-5, 0, 1e-7, 3e-7, 1e-6, 0.25, 2]
        // The log layout's edges as explicit ones: the values added on them would move a log layout.
        let logarithmic = try HistogramSummary(values: base, bins: BinConfig(scale: .logarithmic)).histogram.edges
        // Edges from +0 on hold -0 too, and edges up to -0 hold +0: their key digits lie outside the edges'.
        let fromZero = crowded.filter { $0 >= 0 }, toZero = crowded.filter { $0 < 0 } + [-0.0]
        for edges in [logarithmic, crowded, crowded.filter { $0 != 0 }, fromZero, toZero] {
            let config = BinConfig(edges: edges)
            var values = base
            for edge in edges { values += [edge, edge.nextUp, edge.nextDown, Double(Float(edge)), Double(Float(edge).nextUp), Double(Float(edge).nextDown)] }
            let floats = values.map { Float($0) }
            #expect(floats.count >= SecondPass.digitTableValues, "large enough for the digit table")
            // With every value inside the edges, the histogram alone finds each bin by its digit.
            // A ragged end (5 values past the last whole vector) for the padded tail's bins.
            var inside = values.filter { $0 >= edges[0] && $0 <= edges[edges.count - 1] }
            inside.removeLast((inside.count - 5) % 8)
            var floatsInside = floats.filter { Double($0) >= edges[0] && Double($0) <= edges[edges.count - 1] }
            floatsInside.removeLast((floatsInside.count - 5) % 8)
            #expect(floatsInside.count >= SecondPass.digitTableValues && inside.count < values.count, "\(config) values outside dropped")
            for (label, histogram, reference) in [
                ("Double", try HistogramSummary(values: values, bins: config).histogram, values),
                ("Float", try HistogramSummary(values: floats, bins: config).histogram, floats.map(Double.init)),
                ("Float histogram alone", try floats.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }.histogram,
                 floats.map(Double.init)),
                ("Double histogram alone", try values.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }.histogram, values),
                ("Float histogram alone, every value inside", try floatsInside.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }.histogram,
                 floatsInside.map(Double.init)),
                ("Double histogram alone, every value inside", try inside.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }.histogram, inside),
                ("Float, every value inside", try HistogramSummary(values: floatsInside, bins: config).histogram, floatsInside.map(Double.init)),
                ("Double, every value inside", try HistogramSummary(values: inside, bins: config).histogram, inside),
            ] {
                #expect(histogram.edges == edges, "\(config) \(label) edges")
                expectCounts(histogram, reference, "\(config) \(label)")
            }
            check(floats, try HistogramSummary(values: floats, bins: config), relative: 1e-7, "\(config) Float")
            check(floatsInside, try HistogramSummary(values: floatsInside, bins: config), relative: 1e-7, "\(config) Float, every value inside")
        }
    }

    @Test func stableVarianceOfShiftedNoise() throws {
        let values = Distribution.shiftedNoise.sample(100_000, seed: 3)
        let s = try HistogramSummary(values: values).statistics
        let reference = ReferenceStatistics(values)
        #expect(isClose(s.standardDeviation, reference.std, relative: 1e-9), "\(s.standardDeviation) vs \(reference.std)")
        #expect(abs(s.standardDeviation - 1) < 0.01)
    }

    @Test func zeroToleranceAndOutlierThreshold() throws {
        let values: [Double] = [0, -0.0, 1e-9, -1e-9, 2e-9, 1, 2, 3, 100]
        let options = StatisticsOptions(outlierThreshold: 1, zeroTolerance: 1e-9)
        let s = try HistogramSummary(values: values, options: options).statistics
        let reference = ReferenceStatistics(values, outlierThreshold: 1, zeroTolerance: 1e-9)
        #expect(s.zeroCount == 4 && reference.zeros == 4)
        #expect(s.outlierCount == reference.outliers && s.outlierCount == 1)
    }
}
