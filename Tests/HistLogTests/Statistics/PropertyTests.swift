import Testing
@testable import HistLog

/// Invariants over random inputs and options (seeded, so every failure replays).
struct PropertyTests {
    @Test func invariantsOverRandomInputs() throws {
        var g = SeededGenerator(seed: 2024)
        for trial in 0..<300 {
            let distribution = Distribution.allCases[trial % Distribution.allCases.count]
            var values = distribution.sample(Int.random(in: 0..<400, using: &g), seed: g.next())
            for _ in 0..<Int.random(in: 0..<3, using: &g) {
                values.insert([.nan, .infinity, -.infinity].randomElement(using: &g)!, at: Int.random(in: 0...values.count, using: &g))
            }
            let scale = [BinScale.linear, .logarithmic, .automatic].randomElement(using: &g)!
            var config = BinConfig(bins: Int.random(in: 1...60, using: &g), scale: scale)
            if Bool.random(using: &g) { config.range = (-1, Double.random(in: 0.1..<4, using: &g)) }
            let floats = values.map { Float($0) }
            for summary in [try HistogramSummary(values: values, bins: config), try HistogramSummary(values: floats, bins: config)] {
                let h = summary.histogram, s = summary.statistics
                let label = "trial \(trial) \(distribution) \(config)"
                #expect(BinLayout<Double>.isStrictlyIncreasing(h.edges) && h.binCount == config.bins, "\(label) edges")
                #expect(Int(h.counts.reduce(0, +)) + h.underflow + h.overflow == s.totalCount, "\(label) counts")
                #expect(s.totalCount + s.nanCount + s.infCount == values.count, "\(label) total")
                if s.totalCount > 0 {
                    #expect(s.quantiles.allSatisfy { s.min <= $0 && $0 <= s.max }, "\(label) quantiles")
                    #expect(zip(s.quantiles, s.quantiles.dropFirst()).allSatisfy { $0 <= $1 }, "\(label) monotone")
                }
            }
            let reference = ReferenceStatistics.counts(values, edges: try HistogramSummary(values: values, bins: config).histogram.edges)
            #expect(try HistogramSummary(values: values, bins: config).histogram.counts == reference.counts)
        }
    }
}
