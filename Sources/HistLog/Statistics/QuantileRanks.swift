/// numpy's default quantile method ("linear", type 7 of Hyndman and Fan) on `count` sorted
/// values: the virtual index `h = (count - 1) · p`, the order statistics at `floor(h)` and
/// `floor(h) + 1` (both the last one when `h >= count - 1`), and their interpolation.
struct QuantileRank {
    let lower: Int
    let upper: Int
    let fraction: Double

    init(probability p: Double, count: Int) {
        let h = Double(count - 1) * p
        if h >= Double(count - 1) {
            lower = count - 1
            upper = count - 1
            fraction = 0
        } else {
            let floorH = Swift.max(h.rounded(.down), 0)
            lower = Int(floorH)
            upper = lower + 1
            fraction = h - floorH
        }
    }

    /// numpy's `_lerp` for values of type `T` (`np.quantile(x, [p, ...])`): the difference
    /// `b - a` is taken in `T`, the rest in `Double`; `b - d (1 - t)` from `t >= 0.5` on, so that
    /// `t = 1` gives `b` exactly. Where `b - a` overflows (numpy returns inf or NaN there), the
    /// weighted mean `a (1 - t) + b t` keeps the result finite and between `a` and `b`.
    static func interpolate<T: EngineFloat>(_ a: T, _ b: T, _ t: Double) -> Double {
        let difference = Double(b - a)
        guard difference.isFinite else {
            return Swift.min(Swift.max(Double(a) * (1 - t) + Double(b) * t, Double(a)), Double(b))
        }
        return t >= 0.5 ? Double(b) - difference * (1 - t) : Double(a) + difference * t
    }
}
