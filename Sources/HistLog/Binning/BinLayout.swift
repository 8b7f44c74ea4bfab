/// A resolved bin layout for values of type `T`: the edges, and how a value finds its bin.
///
/// Bins are half-open `[edges[i], edges[i+1])` except the last, which is closed (numpy's rule).
/// Every value of type `T` in `[lowest, highest]` lands in exactly the bin whose edges enclose it,
/// so counts equal `numpy.histogram(x, bins=edges)` on the same edges, values on edges included.
struct BinLayout<T: BinnableFloat> {
    enum Locator {
        /// Equal-width bins: `bin(x) = min(floor(((x * prescale) - offset) * scale), n - 1)`,
        /// evaluated in `T`; `prescale` is 1, or a power of two (exact) bringing a range too wide or
        /// too narrow (subnormal values) for `T` within its finite range. The interior edges are
        /// chosen as the exact thresholds of this formula (the smallest `T` whose formula value
        /// reaches `i`), so the formula alone places every value in the bin its edges say: no
        /// correction step against the edges is needed.
        case uniform(prescale: T, offset: T, scale: T)
        /// Any increasing edges: a branch-free binary search over `thresholds`, where
        /// `thresholds[i]` is the smallest `T` that is >= `edges[i]` (so `x >= thresholds[i]`
        /// exactly when `x >= edges[i]`).
        case search(thresholds: [T])
    }

    let edges: [Double]
    let locator: Locator
    /// The smallest and largest `T` inside `[edges.first, edges.last]`; values outside are
    /// underflow / overflow. `lowest > highest` when no value of type `T` lies in the range.
    let lowest: T
    let highest: T

    var binCount: Int { edges.count - 1 }

    var isUniform: Bool {
        if case .uniform = locator { return true }
        return false
    }

    /// Largest `i < thresholds.count - 1` with `thresholds[i] <= x` (x >= thresholds[0]).
    @inline(__always) static func search(_ x: T, thresholds: UnsafeBufferPointer<T>) -> Int {
        var base = 0
        var length = thresholds.count - 1
        while length > 1 {
            let half = length / 2
            base = thresholds[base + half] <= x ? base + half : base
            length -= half
        }
        return base
    }

    // MARK: - Equal-width edges

    /// Equal-width bins over `[lower, upper]` (finite, `lower < upper`), or nil when the range is
    /// too narrow for `bins` strictly increasing edges.
    ///
    /// The edges approximate `numpy.linspace(lower, upper, bins + 1)` (numpy's `histogram` edges):
    /// the outer edges are `lower` and `upper` exactly; interior edges may move by a few units in
    /// the last place of `T` to the formula's thresholds.
    static func uniform(lower: Double, upper: Double, bins: Int) -> BinLayout? {
        guard lower < upper, bins >= 1 else { return nil }
        let lowest = T.roundedUp(lower)
        let highest = T.roundedDown(upper)
        guard lowest < highest else {
            // At most one value of type T inside: plain linspace edges, searched.
            let edges = linspace(lower, upper, bins)
            return isStrictlyIncreasing(edges) ? explicit(edges: edges) : nil
        }
        var prescale: T = 1
        if !(highest - lowest).isFinite {
            prescale = 0.5
        } else if !(T(bins) / (highest - lowest)).isFinite {
            // Subnormal values: x * 2^126 (Float; 2^1022 for Double) is exact, and finite, since
            // values so close together lie within 2^(significand bits + 1) widths of zero.
            prescale = 1 / T.leastNormalMagnitude
        }
        let offset = lowest * prescale
        let width = highest * prescale - offset
        let scale = T(bins) / width
        guard width > 0, scale.isFinite, scale > 0 else { return nil }
        let formula = { (x: T) -> T in (x * prescale - offset) * scale }

        let guesses = linspace(lower, upper, bins)
        var edges = [Double]()
        edges.reserveCapacity(bins + 1)
        edges.append(lower)
        for i in 1..<bins {
            let target = T(i)
            guard let threshold = smallest(in: lowest...highest, near: T.roundedUp(guesses[i]), where: { formula($0) >= target })
            else { return nil }
            edges.append(Double(threshold))
        }
        edges.append(upper)
        guard isStrictlyIncreasing(edges) else { return nil }
        return BinLayout(edges: edges, locator: .uniform(prescale: prescale, offset: offset, scale: scale), lowest: lowest, highest: highest)
    }

    /// Equal-width bins over the data's `[min, max]` (finite, `min <= max`); never fails.
    ///
    /// As numpy, equal extremes widen to `[min - 0.5, max + 0.5]`. When that range is still too
    /// narrow for `bins` distinct edges in `T` (huge or tiny magnitudes), it widens further around
    /// its centre until it is not, staying within the finite range of `T`.
    static func automatic(min: T, max: T, bins: Int) -> BinLayout {
        var lower = Double(min)
        var upper = Double(max)
        if lower == upper {
            lower -= 0.5
            upper += 0.5
        }
        let greatest = Double(T.greatestFiniteMagnitude)
        let magnitude = Swift.max(abs(lower), abs(upper))
        var half = upper / 2 - lower / 2
        let centre = lower / 2 + upper / 2
        for _ in 0..<2200 {
            if let layout = uniform(lower: lower, upper: upper, bins: bins) { return layout }
            let ulp = Double(T(Swift.min(magnitude, greatest)).ulp)
            half = Swift.max(half * 2, ulp * Double(bins))
            lower = centre - half
            upper = centre + half
            if upper > greatest {
                upper = greatest
                lower = greatest - 2 * half
            }
            if lower < -greatest {
                lower = -greatest
                upper = -greatest + 2 * half
            }
            lower = Swift.max(lower, -greatest)
            upper = Swift.min(upper, greatest)
        }
        // Unreachable for bins <= maximumBins: the full finite range of T holds them all.
        preconditionFailure("no bin layout for [\(min), \(max)] with \(bins) bins")
    }

    // MARK: - Explicit edges

    /// Bins over explicit edges (finite, strictly increasing, at least 2; validated by the caller).
    static func explicit(edges: [Double]) -> BinLayout {
        let thresholds = edges.map { T.roundedUp($0) }
        return BinLayout(
            edges: edges, locator: .search(thresholds: thresholds),
            lowest: T.roundedUp(edges[0]), highest: T.roundedDown(edges[edges.count - 1]))
    }

    // MARK: - Helpers

    /// `numpy.linspace(lower, upper, bins + 1)`: `lower + i * step` with `step = (upper - lower) / bins`,
    /// the last edge exactly `upper`; when `upper - lower` overflows, the step is taken in halves.
    static func linspace(_ lower: Double, _ upper: Double, _ bins: Int) -> [Double] {
        let n = Double(bins)
        let delta = upper - lower
        var edges = (0...bins).map { i -> Double in
            delta.isFinite ? Double(i) * (delta / n) + lower : lower + Double(i) * (upper / n - lower / n)
        }
        edges[bins] = upper
        return edges
    }

    static func isStrictlyIncreasing(_ edges: [Double]) -> Bool {
        guard edges.count >= 2 else { return false }
        for i in 1..<edges.count where !(edges[i - 1] < edges[i]) { return false }
        return edges.allSatisfy(\.isFinite)
    }

    /// The smallest `x` in `range` satisfying the monotone predicate (false below some point,
    /// true from it on), searched by stepping from `guess` and, if that takes long, by bisection
    /// over the order-preserving keys. Nil when no `x` in `range` satisfies it.
    static func smallest(in range: ClosedRange<T>, near guess: T, where predicate: (T) -> Bool) -> T? {
        var x = Swift.min(Swift.max(guess, range.lowerBound), range.upperBound)
        for _ in 0..<32 {
            if predicate(x) {
                if x == range.lowerBound || !predicate(x.nextDown) { return x }
                x = x.nextDown
            } else {
                if x == range.upperBound { return nil }
                x = x.nextUp
            }
        }
        guard predicate(range.upperBound) else { return nil }
        var low = range.lowerBound.orderedKey  // predicate false here, or this is the answer
        var high = range.upperBound.orderedKey  // predicate true here
        if predicate(range.lowerBound) { return range.lowerBound }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if predicate(T(orderedKey: middle)) { high = middle } else { low = middle }
        }
        return T(orderedKey: high)
    }
}
