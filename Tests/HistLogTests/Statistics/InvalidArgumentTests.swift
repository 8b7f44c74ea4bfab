import Testing
@testable import HistLog

/// Caller input outside the contract throws `invalidArgument` naming the argument; nothing traps.
struct InvalidArgumentTests {
    @Test func binOptions() {
        let values: [Double] = [1, 2, 3]
        expectInvalid("bins") { _ = try HistogramSummary(values: values, bins: BinConfig(bins: 0)) }
        expectInvalid("bins") { _ = try HistogramSummary(values: values, bins: BinConfig(bins: -5)) }
        expectInvalid("bins") { _ = try HistogramSummary(values: values, bins: BinConfig(bins: 1_000_001)) }
        expectInvalid("range") { _ = try HistogramSummary(values: values, bins: BinConfig(range: (1, 1))) }
        expectInvalid("range") { _ = try HistogramSummary(values: values, bins: BinConfig(range: (2, 1))) }
        expectInvalid("range") { _ = try HistogramSummary(values: values, bins: BinConfig(range: (.nan, 1))) }
        expectInvalid("range") { _ = try HistogramSummary(values: values, bins: BinConfig(range: (0, .infinity))) }
        expectInvalid("range") { _ = try HistogramSummary(values: values, bins: BinConfig(bins: 1000, range: (1, 1.0000000000001))) }
        expectInvalid("edges") { _ = try HistogramSummary(values: values, bins: BinConfig(edges: [1])) }
        expectInvalid("edges") { _ = try HistogramSummary(values: values, bins: BinConfig(edges: [1, 1])) }
        expectInvalid("edges") { _ = try HistogramSummary(values: values, bins: BinConfig(edges: [0, .nan, 2])) }
        expectInvalid("edges") { _ = try HistogramSummary(values: values, bins: BinConfig(edges: [0, 2, 1])) }
    }

    @Test func statisticsOptions() {
        let values: [Float] = [1, 2, 3]
        expectInvalid("outlierThreshold") { _ = try HistogramSummary(values: values, options: StatisticsOptions(outlierThreshold: 0)) }
        expectInvalid("outlierThreshold") { _ = try HistogramSummary(values: values, options: StatisticsOptions(outlierThreshold: .nan)) }
        expectInvalid("outlierThreshold") { _ = try HistogramSummary(values: values, options: StatisticsOptions(outlierThreshold: .infinity)) }
        expectInvalid("zeroTolerance") { _ = try HistogramSummary(values: values, options: StatisticsOptions(zeroTolerance: -1)) }
        expectInvalid("zeroTolerance") { _ = try HistogramSummary(values: values, options: StatisticsOptions(zeroTolerance: .nan)) }
    }

    @Test func precomputedHistograms() {
        expectInvalid("counts") { _ = try HistogramSummary(edges: [0], counts: []) }
        expectInvalid("edges") { _ = try HistogramSummary(edges: [0, 1], counts: [1, 2]) }
        expectInvalid("edges") { _ = try HistogramSummary(edges: [0, 1, 1], counts: [1, 2]) }
        expectInvalid("edges") { _ = try HistogramSummary(edges: [0, .infinity], counts: [1]) }
        expectInvalid("counts[1]") { _ = try HistogramSummary(edges: [0, 1, 2], counts: [1, -1]) }
        expectInvalid("counts[0]") { _ = try HistogramSummary(edges: [0, 1, 2], counts: [.nan, 1]) }
        expectInvalid("counts[0]") { _ = try HistogramSummary(edges: [0, 1, 2], counts: [.infinity, 1]) }
        let moments = Moments(count: 3, mean: 1, m2: 2, m3: 0, m4: 4, min: 0, max: 2)
        expectInvalid("moments.count") {
            _ = try HistogramSummary(edges: [0, 1, 2], counts: [1, 2], moments: Moments(count: -1, mean: 0, m2: 0, m3: 0, m4: 0, min: 0, max: 0), zeroCount: nil, nanCount: 0, infCount: 0)
        }
        expectInvalid("m2") {
            _ = try HistogramSummary(edges: [0, 1, 2], counts: [1, 2], moments: Moments(count: 3, mean: 1, m2: -1, m3: 0, m4: 4, min: 0, max: 2), zeroCount: nil, nanCount: 0, infCount: 0)
        }
        expectInvalid("min") {
            _ = try HistogramSummary(edges: [0, 1, 2], counts: [1, 2], moments: Moments(count: 3, mean: 1, m2: 1, m3: 0, m4: 4, min: 3, max: 2), zeroCount: nil, nanCount: 0, infCount: 0)
        }
        expectInvalid("nanCount") { _ = try HistogramSummary(edges: [0, 1, 2], counts: [1, 2], moments: moments, zeroCount: nil, nanCount: -1, infCount: 0) }
        expectInvalid("zeroCount") { _ = try HistogramSummary(edges: [0, 1, 2], counts: [1, 2], moments: moments, zeroCount: 4, nanCount: 0, infCount: 0) }
    }

    @Test func mergeNeedsIdenticalEdges() throws {
        let a = try HistogramSummary(values: [1.0, 2, 3])
        let b = try HistogramSummary(values: [1.0, 2, 4])
        expectInvalid("edges") { _ = try a.merged(with: b) }
        let c = try HistogramSummary(values: [1.0, 2], bins: BinConfig(edges: a.histogram.edges), options: StatisticsOptions(outlierThreshold: 2))
        expectInvalid("outlierThreshold") { _ = try a.merged(with: c) }
    }
}

/// An `invalidArgument` message names its arguments by identity, so a binding spells them as its
/// callers know them without rewriting the text.
struct ArgumentMessageTests {
    private func thrown(_ body: () throws -> Void) -> HistlogError? {
        do { try body() } catch let error as HistlogError { return error } catch {}
        return nil
    }

    @Test func argumentsAreNamedByTheCaller() throws {
        let error = try #require(thrown {
            _ = try HistogramSummary(values: [Float(1)], options: StatisticsOptions(zeroTolerance: -1))
        })
        guard case .invalidArgument(let message) = error else { Issue.record("\(error)"); return }
        #expect(message.arguments == ["zeroTolerance"])
        #expect(error.message.hasPrefix("zeroTolerance must be finite and >= 0"))
        #expect(error.message(naming: { "<\($0)>" }, unknown: "?").hasPrefix("<zeroTolerance> must be finite and >= 0"))
    }

    @Test func unknownIsSpelledByTheCaller() throws {
        let moments = Moments(count: 2, mean: 1, m2: 0, m3: 0, m4: 0, min: 1, max: 1)
        let error = try #require(thrown {
            _ = try HistogramSummary(edges: [0, 2], counts: [2], moments: moments, zeroCount: 5, nanCount: 0, infCount: 0)
        })
        #expect(error.message.hasPrefix("zeroCount must be nil or between 0 and moments.count (2)"))
        #expect(error.message(naming: { $0.uppercased() }, unknown: "-1").hasPrefix("ZEROCOUNT must be -1 or between"))
    }

    @Test func contextKeepsTheArguments() {
        let inner: ArgumentMessage = "\(argument: "nanCount") must be >= 0"
        let outer: ArgumentMessage = "fine histogram: \(inner)"
        #expect(outer.arguments == ["nanCount"])
        #expect(outer == "fine histogram: nanCount must be >= 0")
        #expect(outer.text(naming: { _ in "nan_count" }, unknown: "") == "fine histogram: nan_count must be >= 0")
    }
}

/// The engine chooses between the histogram-only path and the full summary.
struct ValueSummaryTests {
    @Test func bothPathsAgreeOnTheHistogram() throws {
        let values: [Float] = [0, 1, 2, 2, 3, .nan, .infinity, -7]
        try values.withUnsafeBufferPointer { buffer in
            let bins = BinConfig(bins: 4)
            let alone = try ValueSummary(values: buffer, bins: bins, statistics: false)
            let full = try ValueSummary(values: buffer, bins: bins, statistics: true)
            #expect(alone.statistics == nil)
            let summary = try #require(full.statistics)
            #expect(summary == (try HistogramSummary(values: buffer, bins: bins)))
            #expect(alone.histogram == full.histogram)
            #expect(alone.histogram == (try ValueHistogram(values: buffer, bins: bins)))
        }
    }

    @Test func statisticsOptionsAreCheckedOnBothPaths() {
        let values: [Double] = [1, 2]
        for statistics in [false, true] {
            expectInvalid("zeroTolerance") {
                _ = try values.withUnsafeBufferPointer {
                    try ValueSummary(values: $0, options: StatisticsOptions(zeroTolerance: -1), statistics: statistics)
                }
            }
        }
    }
}
