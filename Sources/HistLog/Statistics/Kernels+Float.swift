// The vector kernels for `Float` (`SIMD16<Float>`). `Kernels+Float.swift` and `Kernels+Double.swift` are
// the same text for the two element types; change both together.

extension Float {
    typealias Vector = SIMD16<Float>
    typealias Lanes = SIMD16<Int32>

    /// Pass 1 over `vectors` vectors at `pointer` (see `ValueScan`).
    @inline(__always)
    static func scanBlock(_ pointer: UnsafeRawPointer, _ vectors: Int, tolerance: Float, statistics: Bool, magnitudes: Bool, into totals: inout ScanTotals<Float>) {
        let greatest = Vector(repeating: .greatestFiniteMagnitude)
        let limit = Vector(repeating: tolerance)
        let one = Lanes(repeating: 1)
        var finiteLanes = Lanes(), nanLanes = Lanes(), zeroLanes = Lanes()
        var sums = SIMD8<Double>()
        var low = Vector(repeating: totals.min), high = Vector(repeating: totals.max)
        var smallest = Vector(repeating: totals.smallestNonzeroMagnitude)
        for i in 0..<vectors {
            let v = pointer.loadUnaligned(fromByteOffset: i &* MemoryLayout<Vector>.stride, as: Vector.self)
            let finite = (v .>= -greatest) .& (v .<= greatest)
            finiteLanes &+= Lanes().replacing(with: one, where: finite)
            nanLanes &+= Lanes().replacing(with: one, where: v .!= v)
            low = low.replacing(with: v, where: finite .& (v .< low))
            high = high.replacing(with: v, where: finite .& (v .> high))
            if statistics || magnitudes {
                let magnitude = v.replacing(with: -v, where: v .< 0)
                if statistics {
                    zeroLanes &+= Lanes().replacing(with: one, where: magnitude .<= limit)
                    withDoubles(v.replacing(with: 0, where: .!finite)) { sums += $0 }
                }
                if magnitudes {
                    smallest = smallest.replacing(with: magnitude, where: finite .& (magnitude .< smallest) .& (magnitude .!= Vector()))
                }
            }
        }
        totals.finite &+= Int(truncatingIfNeeded: finiteLanes.wrappedSum())
        totals.nan &+= Int(truncatingIfNeeded: nanLanes.wrappedSum())
        totals.zero &+= Int(truncatingIfNeeded: zeroLanes.wrappedSum())
        totals.sum += sums.sum()
        totals.min = low.min()
        totals.max = high.max()
        totals.smallestNonzeroMagnitude = smallest.min()
    }

    /// Pass 2 over `vectors` vectors at `pointer` (see `SecondPass`): bin counts, power sums
    /// about `shift` (skipped when nil) and top-digit radix counts (skipped when nil).
    @inline(__always)
    static func binBlock(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: BinningPlan<Float>, shift: Double?,
        radix: UnsafeMutablePointer<Int>?, into totals: inout BinTotals
    ) {
        let greatest = Vector(repeating: .greatestFiniteMagnitude)
        let lowest = Vector(repeating: plan.lowest), highest = Vector(repeating: plan.highest)
        let halving = Vector(repeating: plan.halving), offset = Vector(repeating: plan.offset)
        let scale = Vector(repeating: plan.scale), top = Vector(repeating: Float(plan.binCount - 1))
        let outside = Lanes(repeating: Lanes.Scalar(truncatingIfNeeded: plan.binCount))
        let one = Lanes(repeating: 1)
        let stride = plan.binCount + 1
        let bins = plan.bins
        let centre = SIMD8<Double>(repeating: shift ?? 0)
        let greatestDouble = SIMD8<Double>(repeating: .greatestFiniteMagnitude)
        var underLanes = Lanes(), overLanes = Lanes()
        var p1 = SIMD8<Double>(), p2 = SIMD8<Double>(), p3 = SIMD8<Double>(), p4 = SIMD8<Double>()
        for i in 0..<vectors {
            let v = pointer.loadUnaligned(fromByteOffset: i &* MemoryLayout<Vector>.stride, as: Vector.self)
            let finite = (v .>= -greatest) .& (v .<= greatest)
            let below = v .< lowest, above = v .> highest
            underLanes &+= Lanes().replacing(with: one, where: finite .& below)
            overLanes &+= Lanes().replacing(with: one, where: finite .& above)
            let binned = finite .& .!below .& .!above
            if plan.uniform {
                var f = (v * halving - offset) * scale
                f = f.replacing(with: top, where: f .> top)
                var index = floorToLanes(f)
                index = index.replacing(with: outside, where: .!binned .| (index .< Lanes()) .| (index .> outside))
                for lane in 0..<Vector.scalarCount {
                    bins[(lane & 3) &* stride &+ Int(truncatingIfNeeded: index[lane])] &+= 1
                }
            } else {
                for lane in 0..<Vector.scalarCount where binned[lane] {
                    bins[(lane & 3) &* stride &+ BinLayout<Float>.search(v[lane], thresholds: plan.thresholds)] &+= 1
                }
            }
            if shift != nil {
                withDoubles(v) { x in
                    let d = (x - centre).replacing(with: 0, where: .!((x .>= -greatestDouble) .& (x .<= greatestDouble)))
                    let d2 = d * d
                    p1 += d
                    p2 += d2
                    p3 += d2 * d
                    p4 += d2 * d2
                }
            }
            if let radix {
                let digits = topDigits(v)
                for lane in 0..<Vector.scalarCount { radix[Int(truncatingIfNeeded: digits[lane])] &+= 1 }
            }
        }
        totals.underflow &+= Int(truncatingIfNeeded: underLanes.wrappedSum())
        totals.overflow &+= Int(truncatingIfNeeded: overLanes.wrappedSum())
        totals.s1 += p1.sum()
        totals.s2 += p2.sum()
        totals.s3 += p3.sum()
        totals.s4 += p4.sum()
    }

    /// Pass 3 over `vectors` vectors at `pointer` (see `RadixSelection.gather`): counts finite
    /// values with `|x - mean| > limit` (in `Double`) and calls `candidate` for each value whose
    /// top key digit is one of `digits`.
    @inline(__always)
    static func gatherBlock(
        _ pointer: UnsafeRawPointer, _ vectors: Int, digits: UnsafeBufferPointer<Int>, mean: Double, limit: Double,
        outliers: inout Int, candidate: (Float) -> Void
    ) {
        let greatestDouble = SIMD8<Double>(repeating: .greatestFiniteMagnitude)
        let centre = SIMD8<Double>(repeating: mean), bound = SIMD8<Double>(repeating: limit)
        var outlierLanes = SIMD8<Int64>()
        for i in 0..<vectors {
            let v = pointer.loadUnaligned(fromByteOffset: i &* MemoryLayout<Vector>.stride, as: Vector.self)
            withDoubles(v) { x in
                let d = x - centre
                let magnitude = d.replacing(with: -d, where: d .< 0)
                let outlier = (magnitude .> bound) .& (x .>= -greatestDouble) .& (x .<= greatestDouble)
                outlierLanes &+= SIMD8<Int64>().replacing(with: 1, where: outlier)
            }
            let keys = topDigits(v)
            var match = SIMDMask<Lanes>()
            for digit in digits { match = match .| (keys .== Lanes(repeating: Lanes.Scalar(truncatingIfNeeded: digit))) }
            if any(match) {
                for lane in 0..<Vector.scalarCount where match[lane] { candidate(v[lane]) }
            }
        }
        outliers &+= Int(truncatingIfNeeded: outlierLanes.wrappedSum())
    }

    /// Lane-wise `orderedKey >> (bitWidth - 16)`: the top radix digit of each lane's key.
    @inline(__always) static func topDigits(_ vector: Vector) -> Lanes {
        let bits = unsafeBitCast(vector, to: Lanes.self)
        let sign = bits &>> Lanes.Scalar(Key.bitWidth - 1)  // all ones in negative lanes
        let key = bits ^ (sign | Lanes(repeating: .min))
        return (key &>> Lanes.Scalar(Key.bitWidth - 16)) & Lanes(repeating: 0xFFFF)
    }

    /// Lane-wise `floor(f)` for `0 <= f < 2^(significandBitCount - 1)` (other lanes: garbage, never
    /// a trap): adding 2^significandBitCount rounds `f` to an integer held in the low bits.
    @inline(__always) static func floorToLanes(_ f: Vector) -> Lanes {
        let magic = Vector(repeating: roundingMagic)
        let shifted = f + magic
        let rounded = shifted - magic
        let integer = unsafeBitCast(shifted, to: Lanes.self) &- unsafeBitCast(magic, to: Lanes.self)
        return integer &- Lanes().replacing(with: 1, where: rounded .> f)
    }
}
