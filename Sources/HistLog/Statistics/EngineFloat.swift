/// The element types the engine reads without copying: `Float` and `Double`.
///
/// Beyond their order-preserving keys (`BinnableFloat`, used for radix selection of exact
/// quantiles too), each provides the vectors the streaming passes use: a 32-byte stream unit
/// (`Vector`: 8 floats or 4 doubles), read as two 16-byte registers (`Half`: `SIMD4<Float>` /
/// `SIMD2<Double>`, one SSE2 or NEON register each, so that the kernels compile to plain vector
/// code on any target).
protocol EngineFloat: BinnableFloat, SIMDScalar, Codable
where RawSignificand: FixedWidthInteger, Half.Scalar == Self, Half.MaskStorage == HalfLanes {
    /// The 32-byte stream unit (the ragged end is one such vector padded with NaN).
    associatedtype Vector: SIMD where Vector.Scalar == Self
    /// Half a stream unit: one 16-byte register.
    associatedtype Half: SIMD
    /// Integer lanes as wide as the scalar (the storage of `Half`'s masks; cell slots).
    associatedtype HalfLanes: SIMD where HalfLanes.Scalar: FixedWidthInteger & SignedInteger, HalfLanes.MaskStorage == HalfLanes
    /// A stream vector's cell slots packed into one register (16 bytes; see `Float.Packed`).
    associatedtype Packed: SIMD
    /// The cell formula's rounding constant, the value just below 2^(significandBitCount):
    /// `bits(y + cellMagic) - bits(cellMagic)` is `round(y - 0.5) + 1` for `0.5 <= y < 2^(p-1)`
    /// (round to nearest, ties to even), 0 or 1 for `0 <= y < 0.5`, and never decreases as `y` grows.
    static var cellMagic: Self { get }

    /// Pass-1 kernel (see `Kernels+Float.swift`).
    static func scanBlock<Magnitudes: KernelSwitch, Zeros: KernelSwitch, Narrow: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, zeroTolerance: Self, magnitudes: Magnitudes.Type, zeros: Zeros.Type,
        narrow: Narrow.Type, into totals: inout ScanTotals<Self>)
    /// Pass 1's rescan of an input with ±Inf (`ValueScan`).
    static func finiteExtremesBlock<Narrow: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, narrow: Narrow.Type, into totals: inout InfinityScan<Self>)
    /// Every value's ordered key, and the outliers (`QuantileSelection.selectAmongAll`).
    static func keyBlock<Narrow: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, inlierLow: Self, inlierHigh: Self, narrow: Narrow.Type,
        keys: UnsafeMutableRawPointer, outliers: inout Int)
    /// The automatic scale's count (`ValueScan.countNonzero`).
    static func magnitudeBlock<Narrow: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, below: Self, narrow: Narrow.Type, nonzero: inout Int, small: inout Int)
    /// Pass-2 kernel for a uniform layout: cell slots, power sums when `Sums` is on, the slots kept
    /// for pass 3 when `Keep` is on (with ±0 set apart when `MarkZeros` is on too); values outside
    /// the layout counted apart when `Outside` is on, NaN and ±Inf set apart when `NonFinite` is on too.
    static func cellBlock<
        Sums: KernelSwitch, Lookup: KernelSwitch, Keep: KernelSwitch, MarkZeros: KernelSwitch, Outside: KernelSwitch,
        NonFinite: KernelSwitch, Narrow: KernelSwitch
    >(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: CellPlan<Self>, sums: Sums.Type, lookup: Lookup.Type,
        keep: Keep.Type, markZeros: MarkZeros.Type, outside: Outside.Type, nonFinite: NonFinite.Type, narrow: Narrow.Type,
        into totals: inout BinTotals)
    /// Pass-2 kernel counting pairs of cells (histogram only, few cells).
    static func pairBlock<Narrow: KernelSwitch>(_ pointer: UnsafeRawPointer, _ vectors: Int, plan: CellPlan<Self>, narrow: Narrow.Type)
    /// Pass-2 kernel counting bins of unequal widths by key digit (`CellPlan.binsByDigit`).
    static func digitBlock<Narrow: KernelSwitch>(_ pointer: UnsafeRawPointer, _ vectors: Int, plan: CellPlan<Self>, narrow: Narrow.Type)
    /// `digitBlock` for the padded tail (NaN padding skipped).
    static func digitTail(_ pointer: UnsafeRawPointer, _ vectors: Int, plan: CellPlan<Self>)
    /// Pass-2 kernel for any layout and any values (masks for NaN, ±Inf and out-of-range values).
    static func generalBlock<Lookup: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: CellPlan<Self>, sums: Bool, lookup: Lookup.Type,
        radix: UnsafeMutablePointer<UInt32>?, into totals: inout BinTotals)
    /// Pass-3 kernel: candidates found by their cell slots, and outliers when `Outliers` is on.
    /// With `SkipZeros` on, ±0 is never a candidate.
    static func gatherBlock<Outliers: KernelSwitch, SkipZeros: KernelSwitch, Narrow: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: GatherPlan<Self>, outliers: Outliers.Type, skipZeros: SkipZeros.Type,
        narrow: Narrow.Type, into totals: inout GatherTotals, candidate: (Self) -> Void)
    /// Pass-3 kernel: candidates by the cell slots pass 2 kept (no outliers).
    static func gatherKeptBlock(_ kept: UnsafeRawPointer, _ vectors: Int, plan: GatherPlan<Self>, candidate: (Int) -> Void)
    /// Pass-3 kernel: candidates by cell slot, written out without branches (no outliers).
    static func gatherDenseBlock<SkipZeros: KernelSwitch, Narrow: KernelSwitch>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: GatherPlan<Self>, skipZeros: SkipZeros.Type, narrow: Narrow.Type,
        buffer: UnsafeMutablePointer<Self>, count: inout Int, limit: Int)
    /// Pass-3 kernel: outliers, and candidates found by a flag per top key digit.
    static func gatherByDigitBlock(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: GatherPlan<Self>, into totals: inout GatherTotals,
        candidate: (Self) -> Void)
}

/// A compile-time switch for kernels: `if S.isOn` folds away in each specialisation, so a
/// kernel's loop carries no test for a feature it was not asked for.
protocol KernelSwitch { static var isOn: Bool { get } }
enum On: KernelSwitch { static var isOn: Bool { true } }
enum Off: KernelSwitch { static var isOn: Bool { false } }

extension Float: EngineFloat {
    static var cellMagic: Float { 8_388_607.5 }  // 2^23 - 0.5

    /// Two halves' cell slots in one register, for comparing them all at once: word `2j` is
    /// lane `j` of `b`, word `2j + 1` lane `j` of `a` (slots below 2^15 compare exactly).
    typealias Packed = SIMD8<Int16>

    @inline(__always) static func pack(_ a: SIMD4<Int32>, _ b: SIMD4<Int32>) -> Packed {
        unsafeBitCast(a &<< 16 | (b & SIMD4(repeating: 0xFFFF)), to: Packed.self)
    }

    /// Four bfloat16 values, half-vector `index` of a narrow stream, as `Float`s (exact: their bits
    /// are a `Float`'s top half).
    @inline(__always) static func widen(_ pointer: UnsafeRawPointer, halfAt index: Int) -> SIMD4<Float> {
        let bits = SIMD4<UInt32>(truncatingIfNeeded: pointer.loadUnaligned(fromByteOffset: index &* 8, as: SIMD4<UInt16>.self))
        return unsafeBitCast(bits &<< 16, to: SIMD4<Float>.self)
    }

    /// Σ (x - shift)^k, k = 1...4, in `Double`, over `vectors` stream vectors of finite values (a
    /// block, re-read from the cache by a loop of its own), reading a byte per cache line of
    /// `ahead[0...last]` (`VectorStream.block(after:)`): the loop is bound by arithmetic, so the
    /// next block's memory arrives for free. Each iteration adds one conversion to each
    /// accumulator: otherwise the compiler splits the conversions into scalar ones. Meanwhile it
    /// counts the block's cell `slots` (four an iteration, slot `k` into the array at `counts +
    /// (k % 4) * copyStride`): the increments take the load and store ports, the sums the
    /// floating-point ones, so each hides the other.
    @inline(never)
    static func sumPowers<Narrow: KernelSwitch, Slot: FixedWidthInteger>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, about shift: Double, narrow: Narrow.Type,
        readingAhead ahead: UnsafeRawPointer, through last: Int,
        counting slots: UnsafePointer<Slot>, into counts: UnsafeMutablePointer<UInt32>, copyStride: Int
    ) -> PowerSums {
        let shift = SIMD2<Double>(repeating: shift)
        var a = PowerLanes(), b = PowerLanes()
        var touched: UInt8 = 0
        let halfBytes = Narrow.isOn ? 8 : MemoryLayout<SIMD4<Float>>.stride
        let c0 = counts, c1 = c0 + copyStride, c2 = c1 + copyStride, c3 = c2 + copyStride
        for i in 0..<vectors &* 2 {
            let v = Narrow.isOn ? widen(pointer, halfAt: i) : pointer.loadUnaligned(fromByteOffset: i &* 16, as: SIMD4<Float>.self)
            a.add(SIMD2<Double>(v.lowHalf) - shift)
            b.add(SIMD2<Double>(v.highHalf) - shift)
            if i & (64 / halfBytes - 1) == 0 { touched |= ahead.load(fromByteOffset: Swift.min(i &* halfBytes, last), as: UInt8.self) }  // a line per 64 bytes
            let k = i &* 4
            c0[Int(truncatingIfNeeded: slots[k])] &+= 1
            c1[Int(truncatingIfNeeded: slots[k &+ 1])] &+= 1
            c2[Int(truncatingIfNeeded: slots[k &+ 2])] &+= 1
            c3[Int(truncatingIfNeeded: slots[k &+ 3])] &+= 1
        }
        VectorStream.readAhead.store(touched, ordering: .relaxed)
        var sums = PowerSums()
        sums.add(a, b)
        return sums
    }

    /// As `addPowers`, for the finite lanes of `v` only.
    @inline(__always) static func addPowersOfFinite(_ v: SIMD4<Float>, about shift: SIMD2<Double>, into sums: inout PowerLanes) {
        Double.addPowersOfFinite(SIMD2<Double>(v.lowHalf), about: shift, into: &sums)
        Double.addPowersOfFinite(SIMD2<Double>(v.highHalf), about: shift, into: &sums)
    }
}

extension Double: EngineFloat {
    static var cellMagic: Double { 4_503_599_627_370_495.5 }  // 2^52 - 0.5

    /// Two halves' cell slots in one register (see `Float.Packed`): word `2j` is lane `j` of `b`,
    /// word `2j + 1` lane `j` of `a`.
    typealias Packed = SIMD4<Int32>

    @inline(__always) static func pack(_ a: SIMD2<Int64>, _ b: SIMD2<Int64>) -> Packed {
        unsafeBitCast(a &<< 32 | (b & SIMD2(repeating: 0xFFFF_FFFF)), to: Packed.self)
    }

    /// Only `Float` streams hold bfloat16 (`ValueStream`): the `Double` kernels' narrow forms are
    /// never called.
    @inline(__always) static func widen(_ pointer: UnsafeRawPointer, halfAt index: Int) -> SIMD2<Double> {
        preconditionFailure("a Double stream is never narrow")
    }

    /// As `Float.sumPowers`; `Double` streams are never narrow.
    @inline(never)
    static func sumPowers<Narrow: KernelSwitch, Slot: FixedWidthInteger>(
        _ pointer: UnsafeRawPointer, _ vectors: Int, about shift: Double, narrow: Narrow.Type,
        readingAhead ahead: UnsafeRawPointer, through last: Int,
        counting slots: UnsafePointer<Slot>, into counts: UnsafeMutablePointer<UInt32>, copyStride: Int
    ) -> PowerSums {
        let shift = SIMD2<Double>(repeating: shift)
        var a = PowerLanes(), b = PowerLanes()
        var touched: UInt8 = 0
        let c0 = counts, c1 = c0 + copyStride, c2 = c1 + copyStride, c3 = c2 + copyStride
        for i in 0..<vectors {
            a.add(pointer.loadUnaligned(fromByteOffset: i &* 32, as: SIMD2<Double>.self) - shift)
            b.add(pointer.loadUnaligned(fromByteOffset: i &* 32 &+ 16, as: SIMD2<Double>.self) - shift)
            if i & 1 == 0 { touched |= ahead.load(fromByteOffset: Swift.min(i &* 32, last), as: UInt8.self) }  // a line per 2
            let k = i &* 4
            c0[Int(truncatingIfNeeded: slots[k])] &+= 1
            c1[Int(truncatingIfNeeded: slots[k &+ 1])] &+= 1
            c2[Int(truncatingIfNeeded: slots[k &+ 2])] &+= 1
            c3[Int(truncatingIfNeeded: slots[k &+ 3])] &+= 1
        }
        VectorStream.readAhead.store(touched, ordering: .relaxed)
        var sums = PowerSums()
        sums.add(a, b)
        return sums
    }

    /// As `addPowers`, for the finite lanes of `v` only.
    @inline(__always) static func addPowersOfFinite(_ v: SIMD2<Double>, about shift: SIMD2<Double>, into sums: inout PowerLanes) {
        let finite = (v .>= SIMD2(repeating: -Double.greatestFiniteMagnitude)) .& (v .<= SIMD2(repeating: .greatestFiniteMagnitude))
        sums.add((v - shift).replacing(with: 0, where: .!finite))
    }
}
