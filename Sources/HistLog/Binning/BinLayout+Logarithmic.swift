#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Symmetric logarithmic bins.
///
/// Over `[lower, upper]`, with `t` half the smallest nonzero magnitude of the finite values
/// (so that a value `±2t` never shares a bin with zero):
/// - `lower > 0`: `bins` log-spaced bins from `lower` to `upper` (`numpy.geomspace`);
///   `upper < 0`: the mirror image.
/// - otherwise, mixed signs or zeros: a linear bin `[max(lower, -t), min(upper, t)]` around zero,
///   log-spaced bins from `-t` down to `lower` (mirrored) when `lower < -t`, and from `t` up to
///   `upper` when `upper > t`. The `bins - 1` side bins are shared in proportion to the decades
///   each side spans, at least one per side. Exactly `bins` bins in total.
/// - When this cannot give strictly increasing edges (too few bins for the parts needed, or a
///   range too narrow for a logarithm), the bins are linear.
///
/// `t` falls back to `10⁻³ · max(|lower|, |upper|)` when no nonzero value lies inside the range.
extension BinLayout {
    static func logarithmic(lower: Double, upper: Double, smallestMagnitude: Double, bins: Int) -> BinLayout? {
        guard lower < upper else { return nil }
        if lower > 0 {
            guard let edges = geometric(from: lower, to: upper, bins: bins) else { return nil }
            return explicit(edges: edges)
        }
        if upper < 0 {
            guard let edges = geometric(from: -upper, to: -lower, bins: bins) else { return nil }
            return explicit(edges: edges.reversed().map { -$0 })
        }
        let largest = Swift.max(-lower, upper)
        var t = smallestMagnitude / 2
        // Halving or scaling the smallest subnormals down rounds to zero: t is at least the least one.
        if !(t > 0 && t < largest) { t = Swift.max(largest * 1e-3, .leastNonzeroMagnitude) }
        // Differences of logarithms: `-lower / t` overflows for extremes near the largest double.
        let negativeDecades = lower < -t ? log10(-lower) - log10(t) : 0
        let positiveDecades = upper > t ? log10(upper) - log10(t) : 0
        let sides = (negativeDecades > 0 ? 1 : 0) + (positiveDecades > 0 ? 1 : 0)
        guard sides > 0, bins >= sides + 1, negativeDecades.isFinite, positiveDecades.isFinite else { return nil }
        let sideBins = bins - 1
        var negativeBins = 0
        if negativeDecades > 0 && positiveDecades > 0 {
            let share = (Double(sideBins) * negativeDecades / (negativeDecades + positiveDecades)).rounded()
            negativeBins = Swift.min(Swift.max(Int(share), 1), sideBins - 1)
        } else if negativeDecades > 0 {
            negativeBins = sideBins
        }
        let positiveBins = sideBins - negativeBins
        var edges = [Double]()
        if negativeBins > 0 {
            guard let side = geometric(from: t, to: -lower, bins: negativeBins) else { return nil }
            edges += side.reversed().map { -$0 }
        } else {
            edges.append(lower)
        }
        if positiveBins > 0 {
            guard let side = geometric(from: t, to: upper, bins: positiveBins) else { return nil }
            edges += side
        } else {
            edges.append(upper)
        }
        guard isStrictlyIncreasing(edges), edges.count == bins + 1 else { return nil }
        return explicit(edges: edges)
    }

    /// `numpy.geomspace(from, to, bins + 1)` for `0 < from < to`, endpoints exact; nil unless
    /// strictly increasing and finite.
    static func geometric(from a: Double, to b: Double, bins: Int) -> [Double]? {
        guard a > 0, a < b else { return nil }
        let logA = log(a), logB = log(b)
        var edges = (0...bins).map { i in exp(logA + (logB - logA) * (Double(i) / Double(bins))) }
        edges[0] = a
        edges[bins] = b
        return isStrictlyIncreasing(edges) ? edges : nil
    }
}

/// The rule of `BinScale.automatic`: logarithmic when at least half of the nonzero finite values
/// have a magnitude below `10⁻³` of the largest magnitude — that is, when the bulk of the data
/// lies more than three decades below its extremes, where equal-width bins would put it all
/// into the one or two bins next to zero. Otherwise linear. Data without a nonzero finite value
/// is linear.
enum AutomaticScale {
    static let decadesBelowLargest = 1e-3

    static func prefersLogarithmic(nonzeroCount: Int, smallCount: Int) -> Bool {
        nonzeroCount > 0 && 2 * smallCount >= nonzeroCount
    }
}
