import Glibc
import Testing
@testable import HistLog

/// A shard's share of a reduction, against a direct reference: the region by a linear scan of
/// the edges (numpy's rule), the sub-bin by the documented formula.
struct ShardReductionTests {
    static func referenceSubBin(_ x: Double, edges: [Double], lower: Double, upper: Double, subdivisions: Int) -> Int {
        let n = edges.count - 1
        var region = 0
        for edge in edges where edge <= x { region += 1 }
        if region == n + 1 && x == edges[n] { region = n }
        let bounds = [min(lower, edges[0])] + edges + [max(upper, edges[n])]
        let width = bounds[region + 1] - bounds[region]
        let scale = Double(subdivisions) / width
        guard width > 0, scale.isFinite else { return region * subdivisions + subdivisions - 1 }
        let position = ((x - bounds[region]) * scale).rounded(.down)
        return region * subdivisions + Int(min(max(position, 0), Double(subdivisions - 1)))
    }

    static let edgeSets: [(String, [Double])] = [
        ("equal widths", (0...30).map { -3 + Double($0) * 0.2 }),
        ("log-like", [-100, -10, -1, -0.1, 0.1, 1, 10, 100]),
        ("one bin", [-1, 1]),
        ("whole numbers", (0...16).map { Double($0) - 8 }),
    ]

    @Test(arguments: [1, 7, 128])
    func countsEqualTheReference(subdivisions: Int) throws {
        var g = SeededGenerator(seed: UInt64(subdivisions))
        for (name, edges) in Self.edgeSets {
            var values = (0..<3000).map { _ in g.normal() * 4 }
            values += edges + [.nan, .infinity, -.infinity, 0, -0.0, edges[0] - 1e-9, edges[edges.count - 1] + 1e-9]
            let finite = values.filter(\.isFinite)
            let (lower, upper) = (finite.min()!, finite.max()!)
            let layout = try SubBinLayout(edges: edges, lower: lower, upper: upper, subdivisions: subdivisions)
            let counts = try values.withUnsafeBufferPointer { try ShardReduction.counts($0, layout: layout, zeroTolerance: 0) }
            var expected = [Double](repeating: 0, count: layout.subBinCount)
            for x in finite { expected[Self.referenceSubBin(x, edges: edges, lower: lower, upper: upper, subdivisions: subdivisions)] += 1 }
            #expect(Array(counts[5...]) == expected, "\(name), \(subdivisions) sub-bins")
            #expect(counts[0] == Double(finite.count) && counts[2] == 1 && counts[3] == 2, "\(name)")
            #expect(counts[1] == Double(finite.filter { $0 == 0 }.count))
            #expect(isClose(counts[4], ReferenceStatistics.compensatedSum(finite), relative: 1e-12, absolute: 1e-9))
            // The regions add up to numpy's histogram of the edges.
            let reference = ReferenceStatistics.counts(finite, edges: edges)
            let regions = stride(from: 0, to: expected.count, by: subdivisions).map { expected[$0..<$0 + subdivisions].reduce(0, +) }
            #expect(Array(regions[1...edges.count - 1]) == reference.counts && regions[0] == Double(reference.under)
                    && regions[edges.count] == Double(reference.over), "\(name)")
            // Floats give the counts of the same values as doubles.
            let floats = values.map { Float($0) }
            let floatCounts = try floats.withUnsafeBufferPointer { try ShardReduction.counts($0, layout: layout, zeroTolerance: 0) }
            var floatExpected = [Double](repeating: 0, count: layout.subBinCount)
            for x in floats where x.isFinite {
                floatExpected[Self.referenceSubBin(Double(x), edges: edges, lower: lower, upper: upper, subdivisions: subdivisions)] += 1
            }
            #expect(Array(floatCounts[5...]) == floatExpected, "\(name) as Float")
        }
    }

    @Test func sumsAndZoomedSubBins() throws {
        var g = SeededGenerator(seed: 5)
        let values = (0..<5000).map { _ in g.normal() } + [.nan, 2.5]
        let finite = values.filter(\.isFinite)
        let edges = (0...10).map { -4 + Double($0) * 0.8 }
        let layout = try SubBinLayout(edges: edges, lower: finite.min()!, upper: finite.max()!, subdivisions: 16)
        let counts = try values.withUnsafeBufferPointer { try ShardReduction.counts($0, layout: layout, zeroTolerance: 0) }
        let zoomed = [3, 90, 91, 150]
        let shift = 0.125
        let sums = try values.withUnsafeBufferPointer {
            try ShardReduction.sums($0, layout: layout, shift: shift, zoomed: zoomed, parts: 32)
        }
        for k in 1...4 {
            let direct = ReferenceStatistics.compensatedSum(finite.map { x in (0..<k).reduce(1.0) { p, _ in p * (x - shift) } })
            #expect(isClose(sums[k - 1], direct, relative: 1e-10, absolute: 1e-9), "S\(k)")
        }
        let (lower, upper) = (finite.min()!, finite.max()!)
        let subBins = finite.map { Self.referenceSubBin($0, edges: edges, lower: lower, upper: upper, subdivisions: 16) }
        for (k, index) in zoomed.enumerated() {
            let parts = sums[4 + k * 32 ..< 4 + (k + 1) * 32]
            #expect(parts.reduce(0, +) == counts[5 + index], "sub-bin \(index)")
            // Each value of the sub-bin sits in the part the formula names.
            let left = layout.subBinEdge(index), width = layout.subBinEdge(index + 1) - left
            var expected = [Double](repeating: 0, count: 32)
            for (x, subBin) in zip(finite, subBins) where subBin == index {
                expected[Int(min(max(((x - left) * (32 / width)).rounded(.down), 0), 31))] += 1
            }
            #expect(Array(parts) == expected)
        }
        let empty = try [Double]().withUnsafeBufferPointer {
            try ShardReduction.sums($0, layout: layout, shift: 0, zoomed: [], parts: 8)
        }
        #expect(empty == [0, 0, 0, 0])
    }

    @Test func noFiniteValueAnywhere() throws {
        let layout = try SubBinLayout(edges: [0, 1], lower: nil, upper: nil, subdivisions: 4)
        let values: [Float] = [.nan, .infinity]
        let counts = try values.withUnsafeBufferPointer { try ShardReduction.counts($0, layout: layout, zeroTolerance: 0) }
        #expect(counts == [0, 0, 1, 1, 0] + [Double](repeating: 0, count: 12))
        #expect((0...12).map { layout.subBinEdge($0) } == [0, 0, 0, 0, 0, 0.25, 0.5, 0.75, 1, 1, 1, 1, 1])
    }

    @Test func invalidArgumentsAreRefusedByName() throws {
        expectInvalid("subdivisions must be between 1") { _ = try SubBinLayout(edges: [0, 1], lower: 0, upper: 1, subdivisions: 0) }
        expectInvalid("edges must be strictly increasing") { _ = try SubBinLayout(edges: [1, 0], lower: 0, upper: 1, subdivisions: 2) }
        expectInvalid("lower must be finite") { _ = try SubBinLayout(edges: [0, 1], lower: -.infinity, upper: 1, subdivisions: 2) }
        let layout = try SubBinLayout(edges: [0, 1], lower: 0, upper: 1, subdivisions: 2)
        let values: [Double] = [0.5]
        values.withUnsafeBufferPointer { values in
            expectInvalid("zeroTolerance must be finite") { _ = try ShardReduction.counts(values, layout: layout, zeroTolerance: -1) }
            expectInvalid("shift must be finite") { _ = try ShardReduction.sums(values, layout: layout, shift: .nan, zoomed: [], parts: 2) }
            expectInvalid("parts must be between 1") { _ = try ShardReduction.sums(values, layout: layout, shift: 0, zoomed: [], parts: 0) }
            expectInvalid("zoomed must be strictly increasing") {
                _ = try ShardReduction.sums(values, layout: layout, shift: 0, zoomed: [2, 2], parts: 2)
            }
            expectInvalid("zoomed must be strictly increasing") {
                _ = try ShardReduction.sums(values, layout: layout, shift: 0, zoomed: [8], parts: 2)
            }
        }
    }
}

/// The rules a binding's device path asks of the engine (`hl_auto_scale*`, `hl_moments_from_sums`).
struct ReducedRulesTests {
    @Test func momentsFromPowerSumsMatchTheDirectMoments() throws {
        let values: [Double] = [1.5, -2, 3.25, 7, 0, 0.125, 4]
        let n = Double(values.count)
        let shift = values.reduce(0, +) / n + 0.01  // a mean estimate off by a little
        let sums = (1...4).map { k in values.reduce(0) { $0 + pow($1 - shift, Double(k)) } }
        let moments = try Moments(count: values.count, shift: shift, powerSums: sums, min: -2, max: 7)
        let mean = values.reduce(0, +) / n
        #expect(isClose(moments.mean, mean, relative: 1e-14))
        #expect(isClose(moments.m2, values.reduce(0) { $0 + pow($1 - mean, 2) }, relative: 1e-12))
        #expect(isClose(moments.m3, values.reduce(0) { $0 + pow($1 - mean, 3) }, relative: 1e-12))
        #expect(isClose(moments.m4, values.reduce(0) { $0 + pow($1 - mean, 4) }, relative: 1e-12))
        #expect(moments.count == values.count && moments.min == -2 && moments.max == 7)
        let empty = try Moments(count: 0, shift: 0, powerSums: [0, 0, 0, 0], min: .nan, max: .nan)
        #expect(empty.mean.isNaN && empty.m2 == 0 && empty.m4 == 0)
        expectInvalid("powerSums") { _ = try Moments(count: 1, shift: 0, powerSums: [1, 2], min: 0, max: 0) }
        expectInvalid("count") { _ = try Moments(count: -1, shift: 0, powerSums: [0, 0, 0, 0], min: 0, max: 0) }
        // No trap for counts whose multiples overflow Int.
        _ = try Moments(count: Int.max, shift: 0, powerSums: [1, 1, 1, 1], min: 0, max: 0)
    }

    @Test func automaticScaleIsTheRawValuesRule() throws {
        #expect(BinScale.automaticSmallMagnitude(largest: 5) == 5 * 1e-3)
        #expect(try BinScale.automatic(nonzeroCount: 10, smallCount: 5) == .logarithmic)
        #expect(try BinScale.automatic(nonzeroCount: 10, smallCount: 4) == .linear)
        #expect(try BinScale.automatic(nonzeroCount: 0, smallCount: 0) == .linear)
        expectInvalid("smallCount") { _ = try BinScale.automatic(nonzeroCount: 1, smallCount: 2) }
        // The same choice the engine makes over the raw values.
        let values: [Double] = [1e-6, -2e-6, 3e-7, 1e-5, 4, 0, 0]
        let summary = try HistogramSummary(values: values, bins: BinConfig(bins: 8, scale: .automatic))
        let logarithmic = try HistogramSummary(values: values, bins: BinConfig(bins: 8, scale: .logarithmic))
        let largest = values.map(abs).max()!
        let small = values.filter { $0 != 0 && abs($0) < BinScale.automaticSmallMagnitude(largest: largest) }.count
        #expect(try BinScale.automatic(nonzeroCount: 5, smallCount: small) == .logarithmic)
        #expect(summary.histogram.edges == logarithmic.histogram.edges)
    }
}

/// The rounds' layout and assembly a binding's device path asks of the engine.
struct ReductionRoundsTests {
    @Test func subdivisionsKeepTheExchangeNear4096Counts() {
        for bins in [1, 30, 200, 5000] {
            let s = SubBinLayout.subdivisions(binCount: bins)
            #expect(s >= 1 && (bins + 2) * s >= Swift.min(4096, bins + 2) && (bins + 2) * (s - 1) < 4096)
        }
    }

    @Test func layoutExposesItsBoundsScalesAndEdges() throws {
        let layout = try SubBinLayout(edges: [0, 1, 2], lower: -1, upper: 4, subdivisions: 2)
        #expect(layout.regionBounds == [-1, 0, 1, 2, 4])
        #expect(layout.regionScales == [2, 2, 2, 1])
        #expect(layout.subBinEdges == [-1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4])
    }

    @Test func quantileSubBinsAreWhereTheCumulativeCountReachesEachTarget() {
        // cumulative 1, 1, 5, 9, 10: targets 1, 2.5, 5, 7.5, 9
        #expect(SubBinLayout.quantileSubBins([1, 0, 4, 4, 1], count: 10) == [0, 2, 3])
        #expect(SubBinLayout.quantileSubBins([0, 0], count: 0) == [])
    }

    @Test func fineHistogramSplicesZoomedSubBinsAndMergesEmptyWidths() throws {
        let parts = SubBinLayout.zoomParts
        var zoomed = [Double](repeating: 0, count: parts)
        (zoomed[0], zoomed[10], zoomed[parts - 1]) = (1, 3, 1)
        let fine = try SubBinLayout.fineHistogram(
            subEdges: [0, 0, 1, 2, 4, 4], subCounts: [0, 3, 5, 2, 0], zoomed: [2], zoomCounts: zoomed, parts: parts)
        #expect(fine.edges.count == parts + 3 && fine.edges.first == 0 && fine.edges.last == 4)
        #expect(zip(fine.edges, fine.edges.dropFirst()).allSatisfy { $0 < $1 })
        #expect(Array(fine.edges[1...parts]) == (0..<parts).map { 1 + Double($0) / Double(parts) })
        #expect(Array(fine.counts[1...parts]) == zoomed)
        #expect(fine.counts.first == 3 && fine.counts.last == 2 && fine.counts.reduce(0, +) == 10)
        expectInvalid("zoomCounts") {
            _ = try SubBinLayout.fineHistogram(subEdges: [0, 1], subCounts: [1], zoomed: [0], zoomCounts: [1], parts: 2)
        }
        expectInvalid("zoomed") {
            _ = try SubBinLayout.fineHistogram(subEdges: [0, 1], subCounts: [1], zoomed: [3], zoomCounts: [1, 0], parts: 2)
        }
    }
}
