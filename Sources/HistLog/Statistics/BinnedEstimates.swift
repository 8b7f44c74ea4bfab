/// Statistics estimated from a histogram's bins, for summaries that no longer have the values
/// (a pre-computed histogram, a reduced or merged one).
///
/// The mass of each bin is taken as spread uniformly over it; underflow and overflow, when
/// present, as spread uniformly over `[min, edges.first]` and `[edges.last, max]`.
struct BinnedEstimates {
    /// Left and right edges and mass of each part of the distribution, in order.
    private let lefts: [Double]
    private let rights: [Double]
    private let masses: [Double]
    let total: Double

    init(histogram: Histogram, min: Double, max: Double) {
        var lefts = [Double](), rights = [Double](), masses = [Double]()
        func add(_ left: Double, _ right: Double, _ mass: Double) {
            guard mass > 0 else { return }
            lefts.append(left)
            rights.append(right)
            masses.append(mass)
        }
        let edges = histogram.edges
        if histogram.underflow > 0 {
            let left = min.isFinite && min < edges[0] ? min : edges[0]
            add(left, edges[0], Double(histogram.underflow))
        }
        for (i, count) in histogram.counts.enumerated() { add(edges[i], edges[i + 1], count) }
        if histogram.overflow > 0 {
            let right = max.isFinite && max > edges[edges.count - 1] ? max : edges[edges.count - 1]
            add(edges[edges.count - 1], right, Double(histogram.overflow))
        }
        self.lefts = lefts
        self.rights = rights
        self.masses = masses
        total = masses.reduce(0, +)
    }

    /// Moments from the bins' mid-points (Sheppard's corrections are not applied), as the
    /// moments of `total` values placed at the mid-points. `count` is `total` rounded.
    func midpointMoments(min: Double, max: Double) -> Moments {
        guard total > 0 else { return Moments.empty }
        var mean = 0.0
        for i in masses.indices { mean += masses[i] * (lefts[i] / 2 + rights[i] / 2) }
        mean /= total
        var m2 = 0.0, m3 = 0.0, m4 = 0.0
        for i in masses.indices {
            let d = (lefts[i] / 2 + rights[i] / 2) - mean
            let d2 = d * d
            m2 += masses[i] * d2
            m3 += masses[i] * d2 * d
            m4 += masses[i] * d2 * d2
        }
        return Moments(count: Self.count(total), mean: mean, m2: m2, m3: m3, m4: m4, min: min, max: max)
    }

    /// A count that fits an `Int` (counts are validated finite; a sum beyond 2^62 saturates).
    static func count(_ total: Double) -> Int {
        guard total.isFinite, total > 0 else { return 0 }
        return total >= 0x1p62 ? 1 << 62 : Int(total.rounded())
    }

    /// The value below which a fraction `p` of the mass lies: the inverse of the piecewise-linear
    /// CDF at `p · total` (linear within the bin that holds it), clamped to `[min, max]`.
    func quantile(_ p: Double, min: Double, max: Double) -> Double {
        guard total > 0 else { return .nan }
        let target = p * total
        var below = 0.0
        var value = rights.last ?? .nan
        for i in masses.indices {
            if below + masses[i] >= target {
                let fraction = masses[i] > 0 ? (target - below) / masses[i] : 0
                value = lefts[i] + (rights[i] - lefts[i]) * Swift.min(Swift.max(fraction, 0), 1)
                break
            }
            below += masses[i]
        }
        if min.isFinite && value < min { value = min }
        if max.isFinite && value > max { value = max }
        return value
    }

    /// The mass outside `[mean - limit, mean + limit]`, rounded.
    func outliers(mean: Double, limit: Double) -> Int {
        guard total > 0, limit.isFinite, mean.isFinite else { return 0 }
        let low = mean - limit, high = mean + limit
        var mass = 0.0
        for i in masses.indices {
            let width = rights[i] - lefts[i]
            if width <= 0 {
                if lefts[i] < low || lefts[i] > high { mass += masses[i] }  // a point mass
                continue
            }
            let below = Swift.min(Swift.max(low - lefts[i], 0), width)
            let above = Swift.min(Swift.max(rights[i] - high, 0), width)
            mass += masses[i] * Swift.min((below + above) / width, 1)
        }
        return Self.count(mass)
    }
}
