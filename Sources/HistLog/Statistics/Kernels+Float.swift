// The vector kernels for `Float` (`SIMD8<Float>`). `Kernels+Float.swift` and `Kernels+Double.swift` are
// the same text for the two element types; change both together.

extension Float {
    typealias Vector = SIMD8<Float>
    typealias Lanes = SIMD8<Int32>
    typealias Half = SIMD4<Float>
    typealias HalfLanes = SIMD4<Int32>

    /// Pass 1 over `vectors` vectors at `pointer` (see `ValueScan`): NaN count and extremes
    /// (±Inf included: the caller rescans the rare input that has them), and when asked the
    /// smallest nonzero magnitude.
    @inline(__always)
    static func scanBlock(_ pointer: UnsafeRawPointer, _ vectors: Int, magnitudes: Bool, into totals: inout ScanTotals<Float>) {
        var nanLanes = Lanes()
        var low = Vector(repeating: totals.min), high = Vector(repeating: totals.max)
        var smallest = Vector(repeating: totals.smallestNonzeroMagnitude)
        let signless = Lanes(repeating: Lanes.Scalar.max)
        for i in 0..<vectors {
            let v = pointer.loadUnaligned(fromByteOffset: i &* MemoryLayout<Vector>.stride, as: Vector.self)
            nanLanes &-= unsafeBitCast(v .!= v, to: Lanes.self)
            low = lanewiseMin(v, low)  // NaN compares false: never taken
            high = lanewiseMax(v, high)
            if magnitudes {
                let magnitude = unsafeBitCast(unsafeBitCast(v, to: Lanes.self) & signless, to: Vector.self)
                smallest = smallest.replacing(with: magnitude, where: (magnitude .< smallest) .& (magnitude .!= Vector()))
            }
        }
        totals.nan &+= Int(truncatingIfNeeded: nanLanes.wrappedSum())
        totals.min = low.min()
        totals.max = high.max()
        totals.smallestNonzeroMagnitude = smallest.min()
    }

    /// Pass 2 over `vectors` vectors at `pointer` (see `SecondPass`): cell counts, power sums
    /// about `shift` (skipped when nil) and top-digit radix counts (skipped when nil).
    @inline(__always)
    static func binBlock(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: BinningPlan<Float>, shift: Double?,
        radix: UnsafeMutablePointer<UInt32>?, into totals: inout BinTotals
    ) {
        let lowest = Vector(repeating: plan.lowest), highest = Vector(repeating: plan.highest)
        let halving = Vector(repeating: plan.halving), offset = Vector(repeating: plan.offset)
        let scale = Vector(repeating: plan.scale)
        let trash = Lanes(repeating: Lanes.Scalar(truncatingIfNeeded: plan.cells + 1))
        let stride = plan.stride
        let indexMask = Lanes(repeating: Lanes.Scalar(truncatingIfNeeded: plan.stride - 1))
        let counts = plan.counts
        let pairs = plan.pairs
        let pairWidth = Half(repeating: Half.Scalar(plan.cells + 1))
        let magic = Half(repeating: roundingMagic)
        let centre = SIMD4<Double>(repeating: shift ?? 0)
        let greatestDouble = SIMD4<Double>(repeating: .greatestFiniteMagnitude)
        var underLanes = Lanes(), overLanes = Lanes()
        var p1 = SIMD4<Double>(), p2 = SIMD4<Double>(), p3 = SIMD4<Double>(), p4 = SIMD4<Double>()
        for i in 0..<vectors {
            let v = pointer.loadUnaligned(fromByteOffset: i &* MemoryLayout<Vector>.stride, as: Vector.self)
            if plan.clean {
                // Every value finite and inside [lowest, highest]: no masks. Cells run to `cells`
                // (the formula can reach it at the top edge; it is folded into the last cell).
                let f = (v * halving - offset) * scale
                // Cell indices go to `plan.indices`; the scatter runs after the loop, on its own.
                if pairs != nil {
                    // Two values per counter: (cell of a lane of the low half) x (cell of the high half).
                    let low = floorToWhole(f.lowHalf), high = floorToWhole(f.highHalf)
                    let pair = low * pairWidth + high + magic
                    let index = (unsafeBitCast(pair, to: HalfLanes.self) &- unsafeBitCast(magic, to: HalfLanes.self))
                        & HalfLanes(repeating: HalfLanes.Scalar(truncatingIfNeeded: plan.pairMask))
                    plan.indices.storeBytes(of: index, toByteOffset: i &* MemoryLayout<HalfLanes>.stride, as: HalfLanes.self)
                } else {
                    let index = floorToLanes(f) & indexMask  // a no-op here; keeps any slip inside the table
                    plan.indices.storeBytes(of: index, toByteOffset: i &* MemoryLayout<Lanes>.stride, as: Lanes.self)
                }
            } else {
                let below = v .< lowest, above = v .> highest
                underLanes &-= unsafeBitCast(below .& (v .>= -Vector(repeating: .greatestFiniteMagnitude)), to: Lanes.self)
                overLanes &-= unsafeBitCast(above .& (v .<= Vector(repeating: .greatestFiniteMagnitude)), to: Lanes.self)
                let binned = (v .>= lowest) .& (v .<= highest)  // false for NaN
                if plan.uniform {
                    let f = (v * halving - offset) * scale
                    var index = floorToLanes(f)
                    index = index.replacing(with: trash, where: .!binned .| (index .< Lanes()) .| (index .> trash))
                    for lane in 0..<Vector.scalarCount {
                        counts[(lane & plan.copyMask) &* stride &+ Int(truncatingIfNeeded: index[lane])] &+= 1
                    }
                } else if any(binned) {
                    for lane in 0..<Vector.scalarCount where binned[lane] {
                        counts[(lane & plan.copyMask) &* stride &+ BinLayout<Float>.search(v[lane], thresholds: plan.thresholds)] &+= 1
                    }
                }
            }
            if shift != nil {
                withDoubles(v) { x in
                    var d = x - centre
                    if !plan.clean { d = d.replacing(with: 0, where: .!((x .>= -greatestDouble) .& (x .<= greatestDouble))) }
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
        if plan.clean {
            if let pairs {
                let indices = plan.indices.assumingMemoryBound(to: HalfLanes.Scalar.self)
                for k in 0..<vectors &* Half.scalarCount { pairs[Int(truncatingIfNeeded: indices[k])] &+= 1 }
            } else {
                scatter(plan.indices.assumingMemoryBound(to: Lanes.Scalar.self), vectors &* Vector.scalarCount, plan: plan)
            }
        }
        totals.underflow &+= Int(truncatingIfNeeded: underLanes.wrappedSum())
        totals.overflow &+= Int(truncatingIfNeeded: overLanes.wrappedSum())
        totals.s1 += p1.sum()
        totals.s2 += p2.sum()
        totals.s3 += p3.sum()
        totals.s4 += p4.sum()
    }

    /// Pass 3 over `vectors` vectors at `pointer` (see `QuantileSelection`): counts values
    /// outside `[plan.inlierLow, plan.inlierHigh]` (±Inf included; NaN never) and inside
    /// `[-zeroTolerance, zeroTolerance]`, and calls `candidate` for each value whose top key digit
    /// is flagged in `plan.flags`.
    @inline(__always)
    static func gatherBlock(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: GatherPlan<Float>, into totals: inout GatherTotals,
        candidate: (Float) -> Void
    ) {
        let inlierLow = Vector(repeating: plan.inlierLow), inlierHigh = Vector(repeating: plan.inlierHigh)
        let zeroHigh = Vector(repeating: plan.zeroTolerance), zeroLow = -zeroHigh
        var outlierLanes = Lanes(), zeroLanes = Lanes()
        let flags = plan.flags
        for i in 0..<vectors {
            let v = pointer.loadUnaligned(fromByteOffset: i &* MemoryLayout<Vector>.stride, as: Vector.self)
            outlierLanes &-= unsafeBitCast((v .< inlierLow) .| (v .> inlierHigh), to: Lanes.self)
            zeroLanes &-= unsafeBitCast((v .>= zeroLow) .& (v .<= zeroHigh), to: Lanes.self)
            let digits = topDigits(v)
            var hits = 0
            for lane in 0..<Vector.scalarCount { hits |= Int(flags[Int(truncatingIfNeeded: digits[lane])]) &<< lane }
            if hits != 0 {
                for lane in 0..<Vector.scalarCount where hits & (1 &<< lane) != 0 { candidate(v[lane]) }
            }
        }
        totals.outliers &+= Int(truncatingIfNeeded: outlierLanes.wrappedSum())
        totals.zeros &+= Int(truncatingIfNeeded: zeroLanes.wrappedSum())
    }

    /// Lane-wise `orderedKey >> (bitWidth - 16)`: the top radix digit of each lane's key.
    @inline(__always) static func topDigits(_ vector: Vector) -> Lanes {
        let bits = unsafeBitCast(vector, to: Lanes.self)
        let sign = bits &>> Lanes.Scalar(Key.bitWidth - 1)  // all ones in negative lanes
        let key = bits ^ (sign | Lanes(repeating: .min))
        return (key &>> Lanes.Scalar(Key.bitWidth - 16)) & Lanes(repeating: 0xFFFF)
    }

    /// Adds one to `counts[indices[k]]` for each `k`, spreading successive values over the
    /// `copyMask + 1` interleaved arrays.
    @inline(__always) static func scatter(_ indices: UnsafeMutablePointer<Lanes.Scalar>, _ count: Int, plan: BinningPlan<Float>) {
        let c0 = plan.counts
        if plan.copyMask == 0 {
            for k in 0..<count { c0[Int(truncatingIfNeeded: indices[k])] &+= 1 }
            return
        }
        let c1 = c0 + plan.stride, c2 = c1 + plan.stride, c3 = c2 + plan.stride
        var k = 0
        while k &+ 4 <= count {
            c0[Int(truncatingIfNeeded: indices[k])] &+= 1
            c1[Int(truncatingIfNeeded: indices[k &+ 1])] &+= 1
            c2[Int(truncatingIfNeeded: indices[k &+ 2])] &+= 1
            c3[Int(truncatingIfNeeded: indices[k &+ 3])] &+= 1
            k &+= 4
        }
        while k < count {
            c0[Int(truncatingIfNeeded: indices[k])] &+= 1
            k &+= 1
        }
    }

    /// Lane-wise `floor(f)`, as whole numbers of the same type, for `0 <= f < 2^(significandBitCount - 1)`.
    @inline(__always) static func floorToWhole(_ f: Half) -> Half {
        let magic = Half(repeating: roundingMagic)
        let rounded = (f + magic) - magic
        var whole = rounded
        for i in 0..<Half.scalarCount { whole[i] = rounded[i] > f[i] ? rounded[i] - 1 : rounded[i] }
        return whole
    }

    /// `a < b ? a : b` lane by lane (a NaN in `a` keeps `b`). Written as a lane loop, which the
    /// compiler turns into `minps`/`minpd`; `replacing(with:where:)` costs four instructions.
    @inline(__always) static func lanewiseMin(_ a: Vector, _ b: Vector) -> Vector {
        var r = b
        for i in 0..<Vector.scalarCount { r[i] = a[i] < b[i] ? a[i] : b[i] }
        return r
    }

    /// `a > b ? a : b` lane by lane (a NaN in `a` keeps `b`).
    @inline(__always) static func lanewiseMax(_ a: Vector, _ b: Vector) -> Vector {
        var r = b
        for i in 0..<Vector.scalarCount { r[i] = a[i] > b[i] ? a[i] : b[i] }
        return r
    }

    /// Lane-wise `floor(f)` for `0 <= f < 2^(significandBitCount - 1)` (other lanes: garbage, never
    /// a trap): adding 2^significandBitCount rounds `f` to an integer held in the low bits.
    @inline(__always) static func floorToLanes(_ f: Vector) -> Lanes {
        let magic = Vector(repeating: roundingMagic)
        let shifted = f + magic
        let rounded = shifted - magic
        let integer = unsafeBitCast(shifted, to: Lanes.self) &- unsafeBitCast(magic, to: Lanes.self)
        return integer &+ unsafeBitCast(rounded .> f, to: Lanes.self)
    }
}
