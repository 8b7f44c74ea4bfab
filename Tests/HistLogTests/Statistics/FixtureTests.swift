import Testing
@testable import HistLog

/// The engine against statistics computed once with numpy and scipy (`Fixtures/make_fixtures.py`).
struct FixtureTests {
    @Test(arguments: numpyFixtures.map(\.name))
    func matchesNumpyAndScipy(_ name: String) throws {
        let fixture = numpyFixtures.first { $0.name == name }!
        let summary = fixture.isFloat
            ? try HistogramSummary(values: fixture.values.map { Float($0) }, bins: BinConfig(bins: 10))
            : try HistogramSummary(values: fixture.values, bins: BinConfig(bins: 10))
        let s = summary.statistics
        #expect(s.quantiles == fixture.quantiles, "np.quantile")
        #expect(isClose(s.mean, fixture.mean, relative: 1e-13), "mean \(s.mean) vs \(fixture.mean)")
        #expect(isClose(s.standardDeviation, fixture.std, relative: 1e-11), "std \(s.standardDeviation) vs \(fixture.std)")
        // Third and fourth moments sum in another order than scipy's; at 1e8 + N(0, 1) the values
        // themselves are only known to ~1e-8 of their deviations, so that is the agreement to expect.
        #expect(isClose(s.skewness, fixture.skewness, relative: 1e-7, absolute: 1e-10), "skewness \(s.skewness) vs \(fixture.skewness)")
        #expect(isClose(s.kurtosis, fixture.kurtosis, relative: 1e-7, absolute: 1e-10), "kurtosis \(s.kurtosis) vs \(fixture.kurtosis)")
        #expect(s.zeroCount == fixture.zeroCount && s.outlierCount == fixture.outlierCount)
        // numpy computes float32 edges in float32, ours are the float32 thresholds of our formula:
        // the same to a few units in the last place, and the same counts on these data.
        let ulp = fixture.isFloat ? Double(Float(fixture.values.map(abs).max()!).ulp) : fixture.values.map(abs).max()!.ulp
        for (edge, reference) in zip(summary.histogram.edges, fixture.edges) {
            #expect(abs(edge - reference) <= 4 * ulp, "edges \(summary.histogram.edges) vs \(fixture.edges)")
        }
        #expect(summary.histogram.counts == fixture.counts, "np.histogram counts")
    }
}
