/// The first streaming pass over raw values: NaN, ±Inf and zero counts, finite extremes and sum.
///
/// Reads 64-byte vectors (`VectorStream`); the NaN padding of the ragged end is taken off the NaN
/// count. Sums are accumulated in `Double` per
/// block of 1024 vectors, then added, which keeps rounding error near that of pairwise summation.
struct ValueScan<T: EngineFloat> {
    var finiteCount = 0
    var nanCount = 0
    var infCount = 0
    /// `|x| <= zeroTolerance`.
    var zeroCount = 0
    /// Finite extremes; NaN when there is no finite value.
    var min: T = .nan
    var max: T = .nan
    /// Sum of the finite values.
    var sum = 0.0
    /// Smallest nonzero finite `|x|` (when asked for), else +infinity.
    var smallestNonzeroMagnitude = Double.infinity

    /// - Parameter zeroTolerance: nil skips the zero count and the sum (histogram only).
    static func scan(_ values: UnsafeBufferPointer<T>, zeroTolerance: Double?, magnitudes: Bool) -> ValueScan {
        let statistics = zeroTolerance != nil
        let tolerance = T.roundedDown(zeroTolerance ?? 0)
        var totals = ScanTotals<T>()
        VectorStream.forEachBlock(values) { pointer, vectors in
            T.scanBlock(pointer, vectors, tolerance: tolerance, statistics: statistics, magnitudes: magnitudes, into: &totals)
        }
        var result = ValueScan()
        result.finiteCount = totals.finite
        result.nanCount = totals.nan - VectorStream.padding(values)
        result.infCount = values.count - result.finiteCount - result.nanCount
        result.zeroCount = totals.zero
        if result.finiteCount > 0 {
            result.min = totals.min
            result.max = totals.max
            result.sum = totals.sum
            if magnitudes { result.smallestNonzeroMagnitude = Double(totals.smallestNonzeroMagnitude) }
        }
        return result
    }

    /// The number of nonzero finite values, and of those with `|x| < threshold`.
    static func countNonzero(_ values: UnsafeBufferPointer<T>, below threshold: Double) -> (nonzero: Int, small: Int) {
        var nonzero = 0, small = 0
        for x in values where x.isFinite && x != 0 {
            nonzero += 1
            if Double(x.magnitude) < threshold { small += 1 }
        }
        return (nonzero, small)
    }
}
