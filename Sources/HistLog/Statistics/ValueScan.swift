/// The first streaming pass over raw values: NaN, ±Inf and zero counts, finite extremes and sum.
///
/// Reads 64-byte vectors (16 floats or 8 doubles); the ragged end is read into a vector padded
/// with NaN, whose padding is then taken off the NaN count. Sums are accumulated in `Double` per
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

    static var blockVectors: Int { 1024 }

    static func scan(_ values: UnsafeBufferPointer<T>, zeroTolerance: Double, magnitudes: Bool) -> ValueScan {
        var result = ValueScan()
        let lanes = T.Vector.scalarCount
        let greatest = T.Vector(repeating: T.greatestFiniteMagnitude)
        let tolerance = T.Vector(repeating: T.roundedDown(zeroTolerance))
        let infinity = T.Vector(repeating: .infinity)
        var low = infinity
        var high = -infinity
        var smallest = infinity
        let one = T.Lanes(repeating: 1)

        var finiteLanes = T.Lanes()
        var nanLanes = T.Lanes()
        var zeroLanes = T.Lanes()
        var sums = SIMD8<Double>()

        @inline(__always) func accumulate(_ v: T.Vector) {
            let finite = (v .>= -greatest) .& (v .<= greatest)
            finiteLanes &+= T.Lanes().replacing(with: one, where: finite)
            nanLanes &+= T.Lanes().replacing(with: one, where: v .!= v)
            let magnitude = v.replacing(with: -v, where: v .< 0)
            zeroLanes &+= T.Lanes().replacing(with: one, where: magnitude .<= tolerance)
            T.withDoubles(v.replacing(with: 0, where: .!finite)) { sums += $0 }
            low = low.replacing(with: v, where: finite .& (v .< low))
            high = high.replacing(with: v, where: finite .& (v .> high))
            if magnitudes {
                smallest = smallest.replacing(with: magnitude, where: finite .& (magnitude .< smallest) .& (magnitude .!= T.Vector()))
            }
        }
        func fold() {
            result.finiteCount += Int(truncatingIfNeeded: finiteLanes.wrappedSum())
            result.nanCount += Int(truncatingIfNeeded: nanLanes.wrappedSum())
            result.zeroCount += Int(truncatingIfNeeded: zeroLanes.wrappedSum())
            result.sum += sums.sum()
            finiteLanes = T.Lanes()
            nanLanes = T.Lanes()
            zeroLanes = T.Lanes()
            sums = SIMD8<Double>()
        }

        let fullVectors = values.count / lanes
        if let base = values.baseAddress {
            let raw = UnsafeRawPointer(base)
            var vector = 0
            while vector < fullVectors {
                let end = Swift.min(vector + blockVectors, fullVectors)
                while vector < end {
                    accumulate(raw.loadUnaligned(fromByteOffset: vector * MemoryLayout<T.Vector>.size, as: T.Vector.self))
                    vector += 1
                }
                fold()
            }
            let rest = values.count - fullVectors * lanes
            if rest > 0 {
                var tail = T.Vector(repeating: .nan)
                for i in 0..<rest { tail[i] = values[fullVectors * lanes + i] }
                accumulate(tail)
                fold()
                result.nanCount -= lanes - rest
            }
        }
        result.infCount = values.count - result.finiteCount - result.nanCount
        if result.finiteCount > 0 {
            result.min = low.min()
            result.max = high.max()
            if magnitudes { result.smallestNonzeroMagnitude = Double(smallest.min()) }
        } else {
            result.sum = 0
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
