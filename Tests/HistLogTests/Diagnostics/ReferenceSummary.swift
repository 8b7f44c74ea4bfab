import Foundation
@testable import HistLog

/// An independent, plain implementation of a raw-values summary (numpy's histogram and linear
/// quantiles, textbook central moments) so the diagnostics tests do not depend on the engine's
/// fast path.
func referenceSummary(_ values: [Double], bins: Int = 30) -> HistogramSummary {
    let finite = values.filter(\.isFinite).sorted()
    let nanCount = values.filter(\.isNaN).count
    let infCount = values.filter(\.isInfinite).count
    let n = finite.count
    guard n > 0 else {
        let stats = DistributionStatistics(
            totalCount: 0, nanCount: nanCount, infCount: infCount, zeroCount: 0, outlierCount: 0, outlierThreshold: 3,
            min: .nan, max: .nan, sum: 0, sumOfSquares: 0, mean: .nan, standardDeviation: .nan, skewness: .nan,
            kurtosis: .nan, quantiles: Array(repeating: .nan, count: 5), estimated: [])
        return HistogramSummary(
            histogram: Histogram(edges: [0, 1], counts: [0]), statistics: stats,
            moments: Moments(count: 0, mean: .nan, m2: 0, m3: 0, m4: 0, min: .nan, max: .nan))
    }
    var lo = finite[0], hi = finite[n - 1]
    if lo == hi { lo -= 0.5; hi += 0.5 }
    let edges = (0...bins).map { lo + (hi - lo) * Double($0) / Double(bins) }
    var counts = [Double](repeating: 0, count: bins)
    for x in finite {
        var index = Int(((x - lo) / (hi - lo) * Double(bins)).rounded(.down))
        index = min(bins - 1, max(0, index))
        counts[index] += 1
    }
    let mean = finite.reduce(0, +) / Double(n)
    var m2 = 0.0, m3 = 0.0, m4 = 0.0
    for x in finite {
        let d = x - mean
        m2 += d * d
        m3 += d * d * d
        m4 += d * d * d * d
    }
    let nd = Double(n)
    let std = n > 1 ? (m2 / (nd - 1)).squareRoot() : .nan
    var skewness = Double.nan, kurtosis = Double.nan
    if m2 > 0 {
        let g1 = (m3 / nd) / pow15(m2 / nd)
        let g2 = (m4 / nd) / ((m2 / nd) * (m2 / nd)) - 3
        if n > 2 { skewness = g1 * (nd * (nd - 1)).squareRoot() / (nd - 2) }
        if n > 3 { kurtosis = ((nd + 1) * g2 + 6) * (nd - 1) / ((nd - 2) * (nd - 3)) }
    }
    let quantiles = DistributionStatistics.quantileProbabilities.map { p -> Double in
        let position = p * (nd - 1)
        let below = Int(position.rounded(.down))
        let above = min(n - 1, below + 1)
        return finite[below] + (finite[above] - finite[below]) * (position - Double(below))
    }
    let outliers = std.isNaN ? 0 : finite.filter { abs($0 - mean) > 3 * std }.count
    let stats = DistributionStatistics(
        totalCount: n, nanCount: nanCount, infCount: infCount, zeroCount: finite.filter { $0 == 0 }.count,
        outlierCount: outliers, outlierThreshold: 3, min: finite[0], max: finite[n - 1], sum: finite.reduce(0, +),
        sumOfSquares: finite.reduce(0) { $0 + $1 * $1 }, mean: mean, standardDeviation: std, skewness: skewness,
        kurtosis: kurtosis, quantiles: quantiles, estimated: [])
    return HistogramSummary(
        histogram: Histogram(edges: edges, counts: counts), statistics: stats,
        moments: Moments(count: n, mean: mean, m2: m2, m3: m3, m4: m4, min: finite[0], max: finite[n - 1]))
}

private func pow15(_ x: Double) -> Double { x * x.squareRoot() }

/// Deterministic pseudo-random normal values (SplitMix64 + Box-Muller), scaled.
func normalValues(count: Int, scale: Double, mean: Double = 0, seed: UInt64) -> [Double] {
    var state = seed
    func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) / Double(1 << 53)
    }
    return (0..<count).map { _ in
        let u = next(), v = next()
        return mean + scale * (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

/// A key's history whose step i has the values `make(i)`, steps 0, every, 2*every, ...
func history(_ key: String, steps: Int, every: Int64 = 10, _ make: (Int) -> [Double]) -> KeyHistory {
    let summaries = (0..<steps).map { referenceSummary(make($0)) }
    return try! KeyHistory(key: key, steps: (0..<steps).map { Int64($0) * every }, summaries: summaries)
}
