import Foundation
import Testing
@testable import HistLog

/// A deterministic generator (SplitMix64) so that every property test replays exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476C_E5E4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func normal() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let v = Double.random(in: 0..<1, using: &self)
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }
}

/// The distributions the statistics are checked on.
enum Distribution: String, CaseIterable, CustomStringConvertible {
    case normal, uniform, lognormal, integerTies, manyZeros, mixedSigns, shiftedNoise, gradientLike, reluOutputs
    var description: String { rawValue }

    func sample(_ count: Int, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed &* 7919 &+ UInt64(Self.allCases.firstIndex(of: self)!))
        return (0..<count).map { _ in
            switch self {
            case .normal: g.normal()
            case .uniform: Double.random(in: -3..<5, using: &g)
            case .lognormal: Foundation.exp(3 * g.normal())
            case .integerTies: Double(Int.random(in: -4...6, using: &g))
            case .manyZeros: Double.random(in: 0..<1, using: &g) < 0.7 ? (Bool.random(using: &g) ? 0 : -0.0) : g.normal()
            case .mixedSigns: (Bool.random(using: &g) ? 1 : -1) * Foundation.exp(4 * g.normal())
            case .shiftedNoise: 1e8 + g.normal()
            // Heavy tails and a crowd of exact zeros (dead units): the zeros' cell holds a median.
            case .gradientLike: Double.random(in: 0..<1, using: &g) < 0.05 ? 0 : g.normal() * Foundation.exp(g.normal())
            // Half exact zeros, at the minimum.
            case .reluOutputs: Swift.max(g.normal(), 0)
            }
        }
    }
}

/// An independent, sort-based reference for every statistic (the engine never sorts).
struct ReferenceStatistics {
    var count = 0
    var mean = Double.nan, std = Double.nan, skewness = Double.nan, kurtosis = Double.nan
    var min = Double.nan, max = Double.nan, sum = Double.nan
    var quantiles = [Double](repeating: .nan, count: 5)
    var zeros = 0, outliers = 0, nans = 0, infs = 0

    init<T: BinaryFloatingPoint>(_ values: [T], outlierThreshold: Double = 3, zeroTolerance: Double = 0) {
        nans = values.filter(\.isNaN).count
        infs = values.filter(\.isInfinite).count
        let finite = values.filter(\.isFinite).sorted()
        let x = finite.map { Double($0) }
        count = x.count
        zeros = x.filter { abs($0) <= zeroTolerance }.count
        guard count > 0 else { return }
        min = x[0]
        max = x[count - 1]
        sum = Self.compensatedSum(x)
        mean = sum / Double(count)
        mean = mean + Self.compensatedSum(x.map { $0 - mean }) / Double(count)  // second refinement pass
        let d = x.map { $0 - mean }
        let m2 = Self.compensatedSum(d.map { $0 * $0 })
        let m3 = Self.compensatedSum(d.map { $0 * $0 * $0 })
        let m4 = Self.compensatedSum(d.map { $0 * $0 * $0 * $0 })
        let n = Double(count)
        if count >= 2 { std = (m2 / (n - 1)).squareRoot() }
        let variance = m2 / n
        let zeroVariance = variance <= (1e-15 * mean) * (1e-15 * mean)
        if count >= 3 && !zeroVariance {
            skewness = (m3 / n) / Foundation.pow(variance, 1.5) * (n * (n - 1)).squareRoot() / (n - 2)
        }
        if count >= 4 && !zeroVariance {
            kurtosis = ((n * n - 1) * (m4 / n) / (variance * variance) - 3 * (n - 1) * (n - 1)) / ((n - 2) * (n - 3))
        }
        let limit = outlierThreshold * std
        outliers = x.filter { abs($0 - mean) > limit }.count
        quantiles = DistributionStatistics.quantileProbabilities.map { p in
            // numpy "linear": virtual index (n-1)p; b - a taken in the input's type.
            let h = Double(count - 1) * p
            var lo = Int(h.rounded(.down)), hi = lo + 1
            if h >= Double(count - 1) { lo = count - 1; hi = count - 1 }
            let g = h - Double(lo)
            let a = finite[lo], b = finite[hi]
            let diff = Double(b - a)
            return g >= 0.5 ? Double(b) - diff * (1 - g) : Double(a) + diff * g
        }
    }

    static func compensatedSum(_ values: [Double]) -> Double {
        var sum = 0.0, c = 0.0
        for v in values {
            let t = sum + v
            if abs(sum) >= abs(v) { c += (sum - t) + v } else { c += (v - t) + sum }
            sum = t
        }
        return sum + c
    }

    /// numpy.histogram(x, bins=edges) by direct bin search: `[e_i, e_i+1)`, last bin closed.
    static func counts<T: BinaryFloatingPoint>(_ values: [T], edges: [Double]) -> (counts: [Double], under: Int, over: Int) {
        var counts = [Double](repeating: 0, count: edges.count - 1)
        var under = 0, over = 0
        for v in values where v.isFinite {
            let x = Double(v)
            if x < edges[0] { under += 1; continue }
            if x > edges[edges.count - 1] { over += 1; continue }
            if x == edges[edges.count - 1] { counts[counts.count - 1] += 1; continue }
            var lo = 0, hi = edges.count - 1  // edges[lo] <= x < edges[hi]
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if edges[mid] <= x { lo = mid } else { hi = mid }
            }
            counts[lo] += 1
        }
        return (counts, under, over)
    }
}

/// |a - b| <= absolute + relative * max(|a|, |b|), NaN equal to NaN.
func isClose(_ a: Double, _ b: Double, relative: Double = 1e-9, absolute: Double = 0) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a == b { return true }
    return abs(a - b) <= absolute + relative * Swift.max(abs(a), abs(b))
}

/// `body` throws `HistlogError.invalidArgument` whose message contains `mentioning`.
func expectInvalid(_ mentioning: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected invalidArgument mentioning \(mentioning)", sourceLocation: sourceLocation)
    } catch let HistlogError.invalidArgument(message) {
        #expect(message.description.contains(mentioning), "\(message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
}
