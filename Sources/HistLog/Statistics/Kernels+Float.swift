// The vector kernels for `Float`. Each 32-byte stream vector is read as two `SIMD4<Float>`, one
// SSE2 / NEON register each, with separate accumulators per half so that the loops keep their
// state in registers. `Kernels+Double.swift` is generated from this file by
// `Sources/HistLog/Statistics/make_kernels.py`: edit this one, then run `make kernels`.

extension Float {
    typealias Vector = SIMD8<Float>
    typealias Half = SIMD4<Float>
    typealias HalfLanes = SIMD4<Int32>

    @inline(__always) static func load(_ pointer: UnsafeRawPointer, _ vector: Int, _ half: Int) -> Half {
        load(pointer, vector, half, Off.self)
    }

    /// With `Narrow` on, the stream holds bfloat16 values (half the bytes a vector), widened here.
    @inline(__always) static func load<Narrow: KernelSwitch>(_ pointer: UnsafeRawPointer, _ vector: Int, _ half: Int, _: Narrow.Type) -> Half {
        if Narrow.isOn { return widen(pointer, halfAt: vector &* 2 &+ half) }
        return pointer.loadUnaligned(fromByteOffset: vector &* MemoryLayout<Vector>.stride &+ half &* MemoryLayout<Half>.stride, as: Half.self)
    }

    /// A mask as integer lanes: -1 where true, 0 where false.
    @inline(__always) static func lanes(_ mask: SIMDMask<HalfLanes>) -> HalfLanes {
        unsafeBitCast(mask, to: HalfLanes.self)
    }

    /// The finite lanes of `v`: `x - x` is 0 for a finite `x`, NaN for NaN and ±Inf.
    @inline(__always) static func isFinite(_ v: Half) -> SIMDMask<HalfLanes> {
        (v - v) .== Half()
    }

    /// `|v|` lane by lane (NaN stays NaN).
    @inline(__always) static func magnitude(_ v: Half) -> Half {
        unsafeBitCast(unsafeBitCast(v, to: HalfLanes.self) & HalfLanes(repeating: .max), to: Half.self)
    }

    /// The cell slot of each lane (see `CellPlan`), for `prescale == 1`.
    @inline(__always) static func slots(_ v: Half, offset: Half, scale: Half) -> HalfLanes {
        let magicBits = HalfLanes(repeating: HalfLanes.Scalar(truncatingIfNeeded: cellMagic.bitPattern))
        return unsafeBitCast((v - offset) * scale + Half(repeating: cellMagic), to: HalfLanes.self) &- magicBits
    }

    /// Pass 1 over `vectors` vectors at `pointer` (see `ValueScan`): NaN count, extremes (±Inf
    /// included: the caller rescans the rare input that has them), when `Zeros` is on the count of
    /// `|x| <= zeroTolerance`, and when `Magnitudes` is on the smallest nonzero magnitude. The loop
    /// only marks the lanes where either half holds a NaN (one compare of the two halves); the NaN
    /// are counted in a second look at the block, when it has any, which takes the extremes again.
    /// The running extremes are the instructions' destinations (`minps low, v`), which saves the
    /// register copies that dominate so short a loop: a NaN lane holds the NaN for one vector, and
    /// a zero extreme keeps the sign of its lane's last zero (unspecified, as numpy's).
    @inline(__always)
    static func scanBlock<Magnitudes: KernelSwitch, Zeros: KernelSwitch, Narrow: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, zeroTolerance: Float, magnitudes: Magnitudes.Type, zeros: Zeros.Type,
        narrow: Narrow.Type, into totals: inout ScanTotals<Float>
    ) {
        let tolerance = Half(repeating: zeroTolerance)
        var anyNaN = SIMDMask<HalfLanes>(), zeros0 = HalfLanes(), zeros1 = HalfLanes()
        var low0 = Half(repeating: totals.min), low1 = low0
        var high0 = Half(repeating: totals.max), high1 = high0
        var smallest0 = Half(repeating: totals.smallestNonzeroMagnitude), smallest1 = smallest0
        for i in 0..<vectors {
            let v0 = load(pointer, i, 0, Narrow.self), v1 = load(pointer, i, 1, Narrow.self)
            anyNaN .|= (v0 .!= v0) .| (v1 .!= v1)
            let m0 = magnitude(v0), m1 = magnitude(v1)
            if Zeros.isOn {
                zeros0 &-= lanes(m0 .<= tolerance)  // false for NaN
                zeros1 &-= lanes(m1 .<= tolerance)
            }
            low0 = lanewiseMin(low0, v0)
            low1 = lanewiseMin(low1, v1)
            high0 = lanewiseMax(high0, v0)
            high1 = lanewiseMax(high1, v1)
            if Magnitudes.isOn {
                smallest0 = smallest0.replacing(with: m0, where: (m0 .< smallest0) .& (m0 .!= Half()))
                smallest1 = smallest1.replacing(with: m1, where: (m1 .< smallest1) .& (m1 .!= Half()))
            }
        }
        if any(anyNaN) {
            var nan0 = HalfLanes(), nan1 = HalfLanes()
            low0 = Half(repeating: totals.min)
            low1 = low0
            high0 = Half(repeating: totals.max)
            high1 = high0
            for i in 0..<vectors {
                let v0 = load(pointer, i, 0, Narrow.self), v1 = load(pointer, i, 1, Narrow.self)
                nan0 &-= lanes(v0 .!= v0)
                nan1 &-= lanes(v1 .!= v1)
                low0 = lanewiseMin(v0, low0)  // NaN compares false: never taken
                low1 = lanewiseMin(v1, low1)
                high0 = lanewiseMax(v0, high0)
                high1 = lanewiseMax(v1, high1)
            }
            totals.nan &+= Int(truncatingIfNeeded: (nan0 &+ nan1).wrappedSum())
        }
        totals.zeros &+= Int(truncatingIfNeeded: (zeros0 &+ zeros1).wrappedSum())
        totals.min = lanewiseMin(low0, low1).min()
        totals.max = lanewiseMax(high0, high1).max()
        if Magnitudes.isOn { totals.smallestNonzeroMagnitude = lanewiseMin(smallest0, smallest1).min() }
    }

    /// Pass 1 again, for the rare input whose extremes came out infinite: the finite extremes,
    /// and the counts of +Inf and -Inf.
    @inline(__always)
    static func finiteExtremesBlock<Narrow: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, narrow: Narrow.Type, into totals: inout InfinityScan<Float>
    ) {
        let infinity = Half(repeating: .infinity)
        var positive0 = HalfLanes(), positive1 = HalfLanes(), negative0 = HalfLanes(), negative1 = HalfLanes()
        var low0 = Half(repeating: totals.min), low1 = low0
        var high0 = Half(repeating: totals.max), high1 = high0
        for i in 0..<vectors {
            let v0 = load(pointer, i, 0, Narrow.self), v1 = load(pointer, i, 1, Narrow.self)
            positive0 &-= lanes(v0 .== infinity)
            positive1 &-= lanes(v1 .== infinity)
            negative0 &-= lanes(v0 .== -infinity)
            negative1 &-= lanes(v1 .== -infinity)
            // NaN is never taken by the min and max.
            let finite0 = isFinite(v0), finite1 = isFinite(v1)
            low0 = lanewiseMin(v0.replacing(with: .nan, where: .!finite0), low0)
            low1 = lanewiseMin(v1.replacing(with: .nan, where: .!finite1), low1)
            high0 = lanewiseMax(v0.replacing(with: .nan, where: .!finite0), high0)
            high1 = lanewiseMax(v1.replacing(with: .nan, where: .!finite1), high1)
        }
        totals.positive &+= Int(truncatingIfNeeded: (positive0 &+ positive1).wrappedSum())
        totals.negative &+= Int(truncatingIfNeeded: (negative0 &+ negative1).wrappedSum())
        totals.min = lanewiseMin(low0, low1).min()
        totals.max = lanewiseMax(high0, high1).max()
    }

    /// The ordered keys (`orderedKey`) of `vectors` vectors at `pointer`, written to `keys`, and the
    /// count of values outside `[inlierLow, inlierHigh]` (±Inf too, NaN never), for
    /// `QuantileSelection.selectAmongAll`.
    @inline(__always)
    static func keyBlock<Narrow: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, inlierLow: Float, inlierHigh: Float, narrow: Narrow.Type,
        keys: UnsafeMutableRawPointer, outliers: inout Int
    ) {
        let low = Half(repeating: inlierLow), high = Half(repeating: inlierHigh)
        var outliers0 = HalfLanes(), outliers1 = HalfLanes()
        for i in 0..<vectors {
            let v0 = load(pointer, i, 0, Narrow.self), v1 = load(pointer, i, 1, Narrow.self)
            outliers0 &-= lanes((v0 .< low) .| (v0 .> high))
            outliers1 &-= lanes((v1 .< low) .| (v1 .> high))
            keys.storeBytes(of: orderedKeys(v0), toByteOffset: i &* MemoryLayout<HalfLanes>.stride &* 2, as: HalfLanes.self)
            keys.storeBytes(of: orderedKeys(v1), toByteOffset: (i &* 2 &+ 1) &* MemoryLayout<HalfLanes>.stride, as: HalfLanes.self)
        }
        outliers &+= Int(truncatingIfNeeded: (outliers0 &+ outliers1).wrappedSum())
    }

    /// `ValueScan.countNonzero` over `vectors` vectors at `pointer`: the finite nonzero values, and
    /// how many of them are smaller in magnitude than `below` (NaN and ±Inf count in neither).
    @inline(__always)
    static func magnitudeBlock<Narrow: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, below: Float, narrow: Narrow.Type, nonzero: inout Int, small: inout Int
    ) {
        let greatest = Half(repeating: .greatestFiniteMagnitude), limit = Half(repeating: below)
        var nonzero0 = HalfLanes(), nonzero1 = HalfLanes(), small0 = HalfLanes(), small1 = HalfLanes()
        for i in 0..<vectors {
            let m0 = magnitude(load(pointer, i, 0, Narrow.self)), m1 = magnitude(load(pointer, i, 1, Narrow.self))
            let counted0 = (m0 .> Half()) .& (m0 .<= greatest), counted1 = (m1 .> Half()) .& (m1 .<= greatest)  // false for NaN
            nonzero0 &-= lanes(counted0)
            nonzero1 &-= lanes(counted1)
            small0 &-= lanes(counted0 .& (m0 .< limit))
            small1 &-= lanes(counted1 .& (m1 .< limit))
        }
        nonzero &+= Int(truncatingIfNeeded: (nonzero0 &+ nonzero1).wrappedSum())
        small &+= Int(truncatingIfNeeded: (small0 &+ small1).wrappedSum())
    }

    /// Pass 2 over `vectors` vectors of finite values inside `[plan.lowest, plan.highest]`, with a
    /// uniform layout and `prescale == 1` (see `SecondPass`): cell counts, and power sums about
    /// `plan.shift` when `Sums` is on. Slots go to `plan.slots`; the scatter runs after the loop.
    /// With `Keep` on, each vector's slots are also kept, packed, at `plan.kept` for pass 3; with
    /// `MarkZeros` on too, ±0 takes the slot `cells + 3` (`plan.zeroFlip`), which pass 3 never
    /// targets, and the caller adds its count to the zeros' own cell. With `Outside` on, the values
    /// may lie outside `[plan.lowest, plan.highest]`: those take the slot `cells + 2`, which is
    /// never folded into the cells, and count as underflow or overflow. With `NonFinite` on, the
    /// values may be NaN or ±Inf: those take that slot as well (kept too: pass 3 never looks for
    /// it), count as neither, and the power sums read the block's copy at `plan.finiteCopy`, where
    /// they are replaced by `plan.shift` (a `Float`), so that they add nothing.
    @inline(__always)
    static func cellBlock<
        Sums: KernelSwitch, Lookup: KernelSwitch, Keep: KernelSwitch, MarkZeros: KernelSwitch, Outside: KernelSwitch,
        NonFinite: KernelSwitch, Narrow: KernelSwitch
    >(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: CellPlan<Float>, sums: Sums.Type, lookup: Lookup.Type,
        keep: Keep.Type, markZeros: MarkZeros.Type, outside: Outside.Type, nonFinite: NonFinite.Type, narrow: Narrow.Type,
        into totals: inout BinTotals
    ) {
        let offset = Half(repeating: plan.offset), scale = Half(repeating: plan.scale)
        let slotMask = HalfLanes(repeating: HalfLanes.Scalar(truncatingIfNeeded: plan.stride - 1))  // keeps any slip inside the table
        // Kept slots are scattered from where they are kept, packed (the order of a vector's words
        // does not matter to the counts), unless the bin lookup below needs them in value order.
        let packedOnly = Keep.isOn && !Lookup.isOn && plan.kept != nil
        let slots = plan.slots, kept = plan.kept ?? plan.slots
        let zeroFlip = HalfLanes(repeating: HalfLanes.Scalar(truncatingIfNeeded: plan.zeroFlip))
        let lowest = Half(repeating: plan.lowest), highest = Half(repeating: plan.highest)
        let outsideSlot = HalfLanes(repeating: HalfLanes.Scalar(truncatingIfNeeded: plan.cells + 2))
        let centre = Half(repeating: Float(plan.shift))
        let finiteCopy = NonFinite.isOn && Sums.isOn ? plan.finiteCopy! : plan.slots  // set by the caller for these kernels
        var under = HalfLanes(), over = HalfLanes()
        for i in 0..<vectors {
            let v0 = load(pointer, i, 0, Narrow.self), v1 = load(pointer, i, 1, Narrow.self)
            var s0 = Float.slots(v0, offset: offset, scale: scale) & slotMask, s1 = Float.slots(v1, offset: offset, scale: scale) & slotMask
            if Outside.isOn {
                var below0 = v0 .< lowest, below1 = v1 .< lowest, above0 = v0 .> highest, above1 = v1 .> highest
                if NonFinite.isOn {
                    let finite0 = isFinite(v0), finite1 = isFinite(v1)
                    below0 = below0 .& finite0
                    below1 = below1 .& finite1
                    above0 = above0 .& finite0
                    above1 = above1 .& finite1
                }
                under &-= lanes(below0) &+ lanes(below1)
                over &-= lanes(above0) &+ lanes(above1)
                s0.replace(with: outsideSlot, where: below0 .| above0)
                s1.replace(with: outsideSlot, where: below1 .| above1)
            }
            if NonFinite.isOn {
                let finite0 = isFinite(v0), finite1 = isFinite(v1)
                s0.replace(with: outsideSlot, where: .!finite0)
                s1.replace(with: outsideSlot, where: .!finite1)
                if Sums.isOn {
                    let byteOffset = i &* MemoryLayout<Vector>.stride
                    finiteCopy.storeBytes(of: v0.replacing(with: centre, where: .!finite0), toByteOffset: byteOffset, as: Half.self)
                    finiteCopy.storeBytes(
                        of: v1.replacing(with: centre, where: .!finite1), toByteOffset: byteOffset &+ MemoryLayout<Half>.stride, as: Half.self)
                }
            }
            if MarkZeros.isOn {
                s0 ^= lanes(v0 .== Half()) & zeroFlip
                s1 ^= lanes(v1 .== Half()) & zeroFlip
            }
            if Keep.isOn { kept.storeBytes(of: pack(s0, s1), toByteOffset: i &* MemoryLayout<Packed>.stride, as: Packed.self) }
            if !packedOnly {
                let byteOffset = i &* MemoryLayout<Vector>.stride
                slots.storeBytes(of: s0, toByteOffset: byteOffset, as: HalfLanes.self)
                slots.storeBytes(of: s1, toByteOffset: byteOffset &+ MemoryLayout<HalfLanes>.stride, as: HalfLanes.self)
            }
        }
        if Outside.isOn {
            totals.underflow &+= Int(truncatingIfNeeded: under.wrappedSum())
            totals.overflow &+= Int(truncatingIfNeeded: over.wrappedSum())
        }
        if Sums.isOn {
            // The power sums' loop counts the slots too (see `sumPowers`).
            let (ahead, last) = VectorStream.block(
                after: pointer, vectors, bytesPerVector: Narrow.isOn ? 16 : MemoryLayout<Vector>.stride, end: plan.streamEnd ?? pointer)
            let copyStride = plan.copyMask == 0 ? 0 : plan.stride
            if packedOnly && NonFinite.isOn {
                totals.sums.add(sumPowers(
                    finiteCopy, vectors, about: plan.shift, narrow: Off.self, readingAhead: ahead, through: last,
                    counting: UnsafePointer(kept.assumingMemoryBound(to: Packed.Scalar.self)), into: plan.counts, copyStride: copyStride))
            } else if packedOnly {
                totals.sums.add(sumPowers(
                    pointer, vectors, about: plan.shift, narrow: Narrow.self, readingAhead: ahead, through: last,
                    counting: UnsafePointer(kept.assumingMemoryBound(to: Packed.Scalar.self)), into: plan.counts, copyStride: copyStride))
            } else if NonFinite.isOn {
                totals.sums.add(sumPowers(
                    finiteCopy, vectors, about: plan.shift, narrow: Off.self, readingAhead: ahead, through: last,
                    counting: UnsafePointer(slots.assumingMemoryBound(to: HalfLanes.Scalar.self)), into: plan.counts, copyStride: copyStride))
            } else {
                totals.sums.add(sumPowers(
                    pointer, vectors, about: plan.shift, narrow: Narrow.self, readingAhead: ahead, through: last,
                    counting: UnsafePointer(slots.assumingMemoryBound(to: HalfLanes.Scalar.self)), into: plan.counts, copyStride: copyStride))
            }
        } else if packedOnly {
            scatter(UnsafePointer(kept.assumingMemoryBound(to: Packed.Scalar.self)), vectors &* Vector.scalarCount, plan: plan)
        } else {
            scatter(UnsafePointer(slots.assumingMemoryBound(to: HalfLanes.Scalar.self)), vectors &* Vector.scalarCount, plan: plan)
        }
        if Lookup.isOn && plan.binsByDigit {
            digitBlock(pointer, vectors, plan: plan, narrow: Narrow.self)
        } else if Lookup.isOn, let binOfSlot = plan.binOfSlot, let binCounts = plan.binCounts {
            let slots = slots.assumingMemoryBound(to: HalfLanes.Scalar.self), lanes = Half.scalarCount
            for k in 0..<(vectors &* Vector.scalarCount) {
                let entry = Int(truncatingIfNeeded: binOfSlot[Int(truncatingIfNeeded: slots[k])])
                if entry < 0 {
                    let x = load(pointer, k / (2 &* lanes), (k / lanes) & 1, Narrow.self)[k % lanes]  // value k of the block
                    binCounts[bin(of: x, edgeSlot: entry, plan: plan)] &+= 1
                }
            }
        }
    }

    /// The bin of `x`, in a slot of `plan.binOfSlot` that holds a bin edge (`edgeSlot` < 0): -1
    /// holds several (`plan.binOfDigit` is asked first, then the thresholds searched), `-2 - k` is
    /// bin `k`, or `k + 1` from threshold `k + 1` on.
    @inline(__always) static func bin(of x: Float, edgeSlot: Int, plan: CellPlan<Float>) -> Int {
        var entry = edgeSlot
        if entry == -1, let digits = plan.binOfDigit {
            let digit = Int(truncatingIfNeeded: x.orderedKey >> Key.Magnitude(Key.bitWidth - 16)) &- plan.firstDigit
            let index = Swift.min(Swift.max(digit, 0), plan.digitCount &- 1)
            if digits[index] == CellPlan<Float>.unknownDigit { digits[index] = plan.entry(ofDigit: index &+ plan.firstDigit) }
            entry = Int(truncatingIfNeeded: digits[index])
            if entry >= 0 { return entry }
        }
        return entry == -1 ? BinLayout<Float>.search(x, thresholds: plan.thresholds) : -2 &- entry &+ (x >= plan.thresholds[-1 &- entry] ? 1 : 0)
    }

    /// Pass 2 for the histogram alone, as `cellBlock` for at most 30 bins of two cells each
    /// (`fineBits` 1): one counter per pair of values (lane `j` of the first half, lane `j` of the
    /// second), half the scattered increments. A value's half of a pair is its slot's group
    /// `(slot - 1) >> 1`: bin `g`'s cells, slots `2g + 1` and `2g + 2`, share group `g`, and slot 0
    /// has group -1. The rounded bits are `bits(cellMagic + 0.5) + slot - 1`, whose first term
    /// vanishes modulo 1024 in `((r0 << 4) & ~31) + (r1 >> 1)`, so the counter is `32 g0 + g1`
    /// modulo 1024; the caller maps it back to slots when it reads the counters. Two copies of the
    /// 32 × 32 counters (4 KiB each), one per 64-bit half of the pairs: small enough to stay in the
    /// L1 cache beside the streaming values, and when most values fall in one bin (heavy tails),
    /// half as many successive increments of one counter wait on each other.
    ///
    /// The index is masked in the integer register, from vector lanes whose high bits are not known
    /// to be zero: built for AVX targets (`-target-cpu haswell`), Swift 6.3's optimizer drops the
    /// zero-extension of a 64-bit move's lower lane when the vector was masked, and indexes with
    /// both lanes.
    @inline(__always)
    static func pairBlock<Narrow: KernelSwitch>(_ pointer: UnsafeRawPointer, _ vectors: Int, plan: CellPlan<Float>, narrow: Narrow.Type) {
        let offset = Half(repeating: plan.offset), scale = Half(repeating: plan.scale), magic = Half(repeating: cellMagic)
        let groupBits = HalfLanes(repeating: ~31)
        let pairs = plan.pairs!, copy = CellPlan<Float>.pairCopy, index = UInt64(copy &- 1)
        @inline(__always) func count(_ i: Int) {
            let v0 = load(pointer, i, 0, Narrow.self), v1 = load(pointer, i, 1, Narrow.self)
            let r0 = unsafeBitCast((v0 - offset) * scale + magic, to: HalfLanes.self)
            let r1 = unsafeBitCast((v1 - offset) * scale + magic, to: HalfLanes.self)
            let pair = ((r0 &<< 4) & groupBits) &+ (r1 &>> 1)
            if HalfLanes.scalarCount == 4 {
                // Two lanes a 64-bit move: half the transfers from vector to integer registers.
                let wide = unsafeBitCast(pair, to: SIMD2<UInt64>.self)
                pairs[Int(truncatingIfNeeded: wide[0] & index)] &+= 1
                pairs[Int(truncatingIfNeeded: (wide[0] &>> 32) & index)] &+= 1
                pairs[copy &+ Int(truncatingIfNeeded: wide[1] & index)] &+= 1
                pairs[copy &+ Int(truncatingIfNeeded: (wide[1] &>> 32) & index)] &+= 1
            } else {
                for lane in 0..<HalfLanes.scalarCount {
                    pairs[lane &* 2 / HalfLanes.scalarCount &* copy &+ (Int(truncatingIfNeeded: pair[lane]) & Int(index))] &+= 1
                }
            }
        }
        var i = 0
        while i &+ 1 < vectors {
            count(i)
            count(i &+ 1)
            i &+= 2
        }
        if i < vectors { count(i) }
    }

    /// Pass 2's bins of unequal widths (explicit edges, log scale), every value finite and inside
    /// `[plan.lowest, plan.highest]` (`plan.binsByDigit`): each value's bin from the table of its
    /// top 16 key bits (`plan.binOfDigit`), searched only in the few digits an edge crosses. The
    /// histogram alone counts no cells; the summary calls it after `cellBlock`'s cells when edges
    /// crowd them, as a log scale's do the cells near zero, whose values would each take a branch
    /// and a table load anyway.
    @inline(__always)
    static func digitBlock<Narrow: KernelSwitch>(_ pointer: UnsafeRawPointer, _ vectors: Int, plan: CellPlan<Float>, narrow: Narrow.Type) {
        let digits = plan.binOfDigit!, binCounts = plan.binCounts!
        let first = HalfLanes(repeating: HalfLanes.Scalar(truncatingIfNeeded: plan.firstDigit))
        let last = UInt(plan.digitCount &- 1), bins = plan.binCount
        // Four copies of the counts: a crowded bin's increments do not wait on each other.
        let c0 = binCounts, c1 = c0 + bins, c2 = c1 + bins, c3 = c2 + bins
        @inline(__always) func entry(_ digit: HalfLanes.Scalar) -> Int {
            // Every digit lies in the table (the values are inside); the clamp keeps a slip there too.
            Int(truncatingIfNeeded: digits[Int(bitPattern: Swift.min(UInt(bitPattern: Int(truncatingIfNeeded: digit)), last))])
        }
        /// Lanes `lane` and `lane + 1` of `v`, whose digits are `d`, into `a` and `b`.
        @inline(__always) func count(_ v: Half, _ d: HalfLanes, _ lane: Int, _ a: UnsafeMutablePointer<UInt32>, _ b: UnsafeMutablePointer<UInt32>) {
            let e0 = entry(d[lane]), e1 = entry(d[lane &+ 1])
            if e0 | e1 >= 0 {
                a[e0] &+= 1
                b[e1] &+= 1
            } else {
                // A digit not set yet, or one an edge crosses.
                a[e0 >= 0 ? e0 : bin(of: v[lane], edgeSlot: -1, plan: plan)] &+= 1
                b[e1 >= 0 ? e1 : bin(of: v[lane &+ 1], edgeSlot: -1, plan: plan)] &+= 1
            }
        }
        for i in 0..<vectors {
            let v0 = load(pointer, i, 0, Narrow.self), v1 = load(pointer, i, 1, Narrow.self)
            let d0 = topDigits(v0) &- first, d1 = topDigits(v1) &- first
            if Half.scalarCount == 4 {
                count(v0, d0, 0, c0, c1)
                count(v0, d0, 2, c2, c3)
                count(v1, d1, 0, c0, c1)
                count(v1, d1, 2, c2, c3)
            } else {
                count(v0, d0, 0, c0, c1)
                count(v1, d1, 0, c2, c3)
            }
        }
    }

    /// `digitBlock` for the padded tail, one vector of `Float` (its NaN padding skipped).
    @inline(never)
    static func digitTail(_ pointer: UnsafeRawPointer, _ vectors: Int, plan: CellPlan<Float>) {
        for k in 0..<(vectors &* Vector.scalarCount) {
            let x = load(pointer, k / (2 &* Half.scalarCount), (k / Half.scalarCount) & 1)[k % Half.scalarCount]
            if x.isFinite { plan.binCounts![bin(of: x, edgeSlot: -1, plan: plan)] &+= 1 }
        }
    }

    /// Pass 2 for any layout and any values: NaN and ±Inf are neither binned nor summed, finite
    /// values outside `[plan.lowest, plan.highest]` are counted as under/overflow; power sums
    /// when `sums`; counts of the top 16 key bits into `radix` when given; with `Lookup` on, the
    /// bins of the values in slots that hold an edge of bins of unequal widths (`plan.binOfSlot`).
    @inline(__always)
    static func generalBlock<Lookup: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: CellPlan<Float>, sums: Bool, lookup: Lookup.Type,
        radix: UnsafeMutablePointer<UInt32>?, into totals: inout BinTotals
    ) {
        let lowest = Half(repeating: plan.lowest), highest = Half(repeating: plan.highest)
        let greatest = Half(repeating: .greatestFiniteMagnitude)
        let prescale = Half(repeating: plan.prescale), offset = Half(repeating: plan.offset), scale = Half(repeating: plan.scale)
        let magic = Half(repeating: cellMagic)
        let magicBits = HalfLanes(repeating: HalfLanes.Scalar(truncatingIfNeeded: cellMagic.bitPattern))
        let outside = HalfLanes(repeating: HalfLanes.Scalar(truncatingIfNeeded: plan.cells + 2))
        let slotMask = HalfLanes(repeating: HalfLanes.Scalar(truncatingIfNeeded: plan.stride - 1))
        let shift = SIMD2<Double>(repeating: plan.shift)
        let counts = plan.counts
        let binOfSlot = plan.binOfSlot, binCounts = plan.binCounts
        var under = HalfLanes(), over = HalfLanes()
        var a = PowerLanes(), b = PowerLanes()
        for i in 0..<vectors {
            for half in 0..<2 {
                let v = load(pointer, i, half)
                under &-= lanes((v .< lowest) .& (v .>= -greatest))
                over &-= lanes((v .> highest) .& (v .<= greatest))
                let binned = (v .>= lowest) .& (v .<= highest)  // false for NaN
                if plan.uniform {
                    let slot = unsafeBitCast((v * prescale - offset) * scale + magic, to: HalfLanes.self) &- magicBits
                    let safe = slot.replacing(with: outside, where: .!binned) & slotMask
                    for lane in 0..<Half.scalarCount { counts[Int(truncatingIfNeeded: safe[lane])] &+= 1 }
                    if Lookup.isOn, let binOfSlot, let binCounts {
                        for lane in 0..<Half.scalarCount where binned[lane] {
                            let entry = Int(truncatingIfNeeded: binOfSlot[Int(truncatingIfNeeded: safe[lane])])
                            if entry < 0 { binCounts[bin(of: v[lane], edgeSlot: entry, plan: plan)] &+= 1 }
                        }
                    }
                } else if any(binned) {
                    for lane in 0..<Half.scalarCount where binned[lane] {
                        counts[BinLayout<Float>.search(v[lane], thresholds: plan.thresholds) &+ 1] &+= 1
                    }
                }
                if sums {
                    // Two accumulators: one chain of additions would bind the loop.
                    if half == 0 { addPowersOfFinite(v, about: shift, into: &a) } else { addPowersOfFinite(v, about: shift, into: &b) }
                }
                if let radix {
                    let digits = topDigits(v)
                    for lane in 0..<Half.scalarCount { radix[Int(truncatingIfNeeded: digits[lane])] &+= 1 }
                }
            }
        }
        totals.underflow &+= Int(truncatingIfNeeded: under.wrappedSum())
        totals.overflow &+= Int(truncatingIfNeeded: over.wrappedSum())
        if sums { totals.sums.add(a, b) }
    }

    /// Pass 3 over `vectors` vectors at `pointer` (see `QuantileSelection`): calls `candidate` for
    /// each value whose cell slot is one of `plan.targets` (values near those cells may be passed
    /// too: the caller checks each one exactly), and when `Outliers` is on counts values outside
    /// `[plan.inlierLow, plan.inlierHigh]` (±Inf included; NaN never).
    @inline(__always)
    static func gatherBlock<Outliers: KernelSwitch, SkipZeros: KernelSwitch, Narrow: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: GatherPlan<Float>, outliers: Outliers.Type, skipZeros: SkipZeros.Type,
        narrow: Narrow.Type, into totals: inout GatherTotals, candidate: (Float) -> Void
    ) {
        let inlierLow = Half(repeating: plan.inlierLow), inlierHigh = Half(repeating: plan.inlierHigh)
        let offset = Half(repeating: plan.offset), scale = Half(repeating: plan.scale)
        let targets = SlotTargets(plan)
        var outliers0 = HalfLanes(), outliers1 = HalfLanes()
        for i in 0..<vectors {
            let v0 = load(pointer, i, 0, Narrow.self), v1 = load(pointer, i, 1, Narrow.self)
            if Outliers.isOn {
                outliers0 &-= lanes((v0 .< inlierLow) .| (v0 .> inlierHigh))
                outliers1 &-= lanes((v1 .< inlierLow) .| (v1 .> inlierHigh))
            }
            let packed = pack(Float.slots(v0, offset: offset, scale: scale), Float.slots(v1, offset: offset, scale: scale))
            var hit = targets.hits(packed)
            if SkipZeros.isOn { hit = hit .& nonzero(v0, v1) }
            if any(hit) {
                // Word 2j of `packed` holds lane j of the second half, word 2j + 1 lane j of the first.
                for word in 0..<Packed.scalarCount where hit[word] {
                    candidate(word & 1 == 0 ? v1[word >> 1] : v0[word >> 1])
                }
            }
        }
        totals.outliers &+= Int(truncatingIfNeeded: (outliers0 &+ outliers1).wrappedSum())
    }

    /// Pass 3 as `gatherBlock` without outliers, from the slots pass 2 kept (`CellPlan.kept`) for
    /// `vectors` vectors instead of the values: half the bytes, and no slot to compute. Calls
    /// `candidate` with the index, from the first of these vectors, of each value whose slot is a target.
    @inline(__always)
    static func gatherKeptBlock(_ kept: UnsafeRawPointer, _ vectors: Int, plan: GatherPlan<Float>, candidate: (Int) -> Void) {
        let targets = SlotTargets(plan)
        let wordBits = Packed.Scalar.bitWidth, wordsPerHalf = 64 / wordBits
        for i in 0..<vectors {
            // Tested as two 64-bit halves: `any(hit)` here compiles to a word-by-word extraction.
            let hit = unsafeBitCast(targets.hits(kept.loadUnaligned(fromByteOffset: i &* MemoryLayout<Packed>.stride, as: Packed.self)), to: SIMD2<UInt64>.self)
            if hit[0] | hit[1] != 0 {
                for word in 0..<Packed.scalarCount where (hit[word / wordsPerHalf] >> UInt64(word % wordsPerHalf &* wordBits)) & 1 != 0 {
                    // Word 2j holds lane j of the second half, word 2j + 1 lane j of the first.
                    candidate(i &* Vector.scalarCount &+ (word & 1 == 0 ? Half.scalarCount &+ word >> 1 : word >> 1))
                }
            }
        }
    }

    /// Pass 3 as `gatherBlock` without outliers, for candidates too many to branch on: every
    /// value is written to `buffer[count]`, and `count` moves on by one where the value is a
    /// candidate (no branch to mispredict); after each vector it is held at `limit`, which the
    /// caller treats as overflow (`buffer` has room for a vector's words beyond `limit`).
    @inline(__always)
    static func gatherDenseBlock<SkipZeros: KernelSwitch, Narrow: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: GatherPlan<Float>, skipZeros: SkipZeros.Type, narrow: Narrow.Type,
        buffer: UnsafeMutablePointer<Float>, count: inout Int, limit: Int
    ) {
        let offset = Half(repeating: plan.offset), scale = Half(repeating: plan.scale)
        let targets = SlotTargets(plan)
        var n = count
        for i in 0..<vectors {
            let v0 = load(pointer, i, 0, Narrow.self), v1 = load(pointer, i, 1, Narrow.self)
            let packed = pack(Float.slots(v0, offset: offset, scale: scale), Float.slots(v1, offset: offset, scale: scale))
            var hit = targets.hits(packed)
            if SkipZeros.isOn { hit = hit .& nonzero(v0, v1) }
            let steps = unsafeBitCast(hit, to: Packed.self)  // -1 where a candidate
            // Word 2j of `packed` holds lane j of the second half, word 2j + 1 lane j of the first.
            for word in 0..<Packed.scalarCount {
                buffer[n] = word & 1 == 0 ? v1[word >> 1] : v0[word >> 1]
                n &-= Int(truncatingIfNeeded: steps[word])
            }
            n = Swift.min(n, limit)  // once a vector: a test per word would chain every word's step
        }
        count = n
    }

    /// Pass 3 as `gatherBlock`, finding candidates by a flag per top key digit (`plan.flags`):
    /// for layouts without a cell formula and for refined groups.
    @inline(__always)
    static func gatherByDigitBlock(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: GatherPlan<Float>, into totals: inout GatherTotals,
        candidate: (Float) -> Void
    ) {
        let inlierLow = Half(repeating: plan.inlierLow), inlierHigh = Half(repeating: plan.inlierHigh)
        var outliers = HalfLanes()
        let flags = plan.flags!
        for i in 0..<vectors {
            for half in 0..<2 {
                let v = load(pointer, i, half)
                outliers &-= lanes((v .< inlierLow) .| (v .> inlierHigh))
                let digits = topDigits(v)
                var hits = 0
                for lane in 0..<Half.scalarCount { hits |= Int(flags[Int(truncatingIfNeeded: digits[lane])]) &<< lane }
                if hits != 0 {
                    for lane in 0..<Half.scalarCount where hits & (1 &<< lane) != 0 { candidate(v[lane]) }
                }
            }
        }
        totals.outliers &+= Int(truncatingIfNeeded: outliers.wrappedSum())
    }

    /// A gather plan's target slots, each repeated across a register (unused targets repeat the
    /// first), and the test of eight packed slots against all of them.
    struct SlotTargets {
        let t0: Packed, t1: Packed, t2: Packed, t3: Packed, t4: Packed, t5: Packed, t6: Packed, t7: Packed

        @inline(__always) init(_ plan: GatherPlan<Float>) {
            var t = plan.targets
            while t.count < GatherPlan<Float>.maximumTargets { t.append(t.first ?? -1) }
            func word(_ i: Int) -> Packed { Packed(repeating: Packed.Scalar(truncatingIfNeeded: t[i])) }
            (t0, t1, t2, t3, t4, t5, t6, t7) = (word(0), word(1), word(2), word(3), word(4), word(5), word(6), word(7))
        }

        /// The words of `packed` equal to a target.
        @inline(__always) func hits(_ packed: Packed) -> SIMDMask<Packed> {
            ((packed .== t0) .| (packed .== t1)) .| ((packed .== t2) .| (packed .== t3))
                .| ((packed .== t4) .| (packed .== t5)) .| ((packed .== t6) .| (packed .== t7))
        }
    }

    /// The words of `pack(slots(a), slots(b))` whose value is not ±0.
    @inline(__always) static func nonzero(_ a: Half, _ b: Half) -> SIMDMask<Packed> {
        pack(lanes(a .!= Half()), lanes(b .!= Half())) .!= Packed()
    }

    /// Lane-wise `orderedKey >> (bitWidth - 16)`: the top radix digit of each lane's key.
    @inline(__always) static func topDigits(_ vector: Half) -> HalfLanes {
        (orderedKeys(vector) &>> HalfLanes.Scalar(Key.bitWidth - 16)) & HalfLanes(repeating: 0xFFFF)
    }

    /// `orderedKey` lane by lane (as signed lanes: the same bits).
    @inline(__always) static func orderedKeys(_ vector: Half) -> HalfLanes {
        let bits = unsafeBitCast(vector, to: HalfLanes.self)
        let sign = bits &>> HalfLanes.Scalar(Key.bitWidth - 1)  // all ones in negative lanes
        return bits ^ (sign | HalfLanes(repeating: .min))
    }

    /// Adds one to `counts[slots[k]]` for each `k`, spreading successive values over the
    /// `copyMask + 1` interleaved arrays.
    @inline(__always) static func scatter<Slot: FixedWidthInteger>(_ slots: UnsafePointer<Slot>, _ count: Int, plan: CellPlan<Float>) {
        let c0 = plan.counts
        if plan.copyMask == 0 {
            for k in 0..<count { c0[Int(truncatingIfNeeded: slots[k])] &+= 1 }
            return
        }
        let c1 = c0 + plan.stride, c2 = c1 + plan.stride, c3 = c2 + plan.stride
        var k = 0
        while k &+ 4 <= count {
            c0[Int(truncatingIfNeeded: slots[k])] &+= 1
            c1[Int(truncatingIfNeeded: slots[k &+ 1])] &+= 1
            c2[Int(truncatingIfNeeded: slots[k &+ 2])] &+= 1
            c3[Int(truncatingIfNeeded: slots[k &+ 3])] &+= 1
            k &+= 4
        }
        while k < count {
            c0[Int(truncatingIfNeeded: slots[k])] &+= 1
            k &+= 1
        }
    }

    /// `a < b ? a : b` lane by lane (a NaN in `a` keeps `b`). Written as a lane loop, which the
    /// compiler turns into `minps`/`minpd`; `replacing(with:where:)` costs four instructions.
    @inline(__always) static func lanewiseMin(_ a: Half, _ b: Half) -> Half {
        var r = b
        for i in 0..<Half.scalarCount { r[i] = a[i] < b[i] ? a[i] : b[i] }
        return r
    }

    /// `a > b ? a : b` lane by lane (a NaN in `a` keeps `b`).
    @inline(__always) static func lanewiseMax(_ a: Half, _ b: Half) -> Half {
        var r = b
        for i in 0..<Half.scalarCount { r[i] = a[i] > b[i] ? a[i] : b[i] }
        return r
    }
}
