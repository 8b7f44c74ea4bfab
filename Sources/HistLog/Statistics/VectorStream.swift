import Synchronization

/// The 32-byte vectors (8 floats or 4 doubles) the kernels read, in blocks (`ValueStream.forEachBlock`).
///
/// The kernels that read the vectors (`EngineFloat.scanBlock`, `cellBlock`, `gatherBlock`, ...)
/// are written once per concrete type: in generic code, Swift resolves SIMD operators to the
/// protocol's lane-by-lane defaults instead of the vector instructions of `SIMD4<Float>` and
/// `SIMD2<Double>`. Blocks of `blockVectors` vectors let kernels keep 32-bit lane counters and
/// partial sums, folded into wide totals at the end of each block. The ragged end is one vector
/// padded with NaN, which every kernel treats as "not a finite value" (`padding` lanes).
enum VectorStream {
    static let blockVectors = 1024

    /// The block after `vectors` vectors at `pointer` and the offset of its last byte before
    /// `end` (or the block itself at the end of the stream). A loop over a block already in the
    /// cache reads one byte per line of the next one, so that the next block's memory arrives
    /// while it computes instead of stalling the next pass over the stream.
    @inline(__always) static func block(
        after pointer: UnsafeRawPointer, _ vectors: Int, bytesPerVector: Int, end: UnsafeRawPointer
    ) -> (UnsafeRawPointer, Int) {
        let bytes = vectors &* bytesPerVector
        let next = pointer + bytes
        let room = Swift.min(end - next, bytes)
        return room > 0 ? (next, room &- 1) : (pointer, bytes &- 1)
    }

    /// Where the read-ahead bytes go, so that the compiler keeps the loads (any thread's will do).
    static let readAhead = Atomic<UInt8>(0)
}

/// Running totals of `EngineFloat.scanBlock`.
struct ScanTotals<T: EngineFloat> {
    var nan = 0
    var zeros = 0
    var min = T.infinity
    var max = -T.infinity
    var smallestNonzeroMagnitude = T.infinity

    mutating func add(_ other: ScanTotals) {
        nan += other.nan
        zeros += other.zeros
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        smallestNonzeroMagnitude = Swift.min(smallestNonzeroMagnitude, other.smallestNonzeroMagnitude)
    }
}

/// Running totals of `EngineFloat.finiteExtremesBlock`.
struct InfinityScan<T: EngineFloat> {
    var positive = 0
    var negative = 0
    var min = T.infinity
    var max = -T.infinity

    mutating func add(_ other: InfinityScan) {
        positive += other.positive
        negative += other.negative
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
    }
}

/// Σ (x - shift)^k for k = 1...4 over two lanes of `Double`.
struct PowerLanes {
    var s1 = SIMD2<Double>(), s2 = SIMD2<Double>(), s3 = SIMD2<Double>(), s4 = SIMD2<Double>()

    @inline(__always) mutating func add(_ d: SIMD2<Double>) {
        let d2 = d * d
        s1 += d
        s2 += d2
        s3 += d2 * d
        s4 += d2 * d2
    }
}

/// Power sums about a shift, Σ (x - shift)^k for k = 1...4, in `Double`.
struct PowerSums {
    var s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0

    @inline(__always) mutating func add(_ a: PowerLanes, _ b: PowerLanes) {
        s1 += (a.s1 + b.s1).sum()
        s2 += (a.s2 + b.s2).sum()
        s3 += (a.s3 + b.s3).sum()
        s4 += (a.s4 + b.s4).sum()
    }

    mutating func add(_ other: PowerSums) {
        s1 += other.s1
        s2 += other.s2
        s3 += other.s3
        s4 += other.s4
    }
}

/// What the pass-2 kernels need to place values in cells (see `SecondPass`).
///
/// Uniform layouts: `slot(x) = bits(((x * prescale) - offset) * scale + cellMagic) - bits(cellMagic)`,
/// in `0...cells + 1`: slot `j + 1` is cell `j`, slot 0 belongs to cell 0 and slot `cells + 1` to
/// the last cell (the formula's rounding at the two ends). Other layouts: `slot = bin + 1` by a
/// binary search over `thresholds`. Slot `cells + 2` takes the values outside the bins.
struct CellPlan<T: EngineFloat> {
    var lowest: T
    var highest: T
    var uniform: Bool
    var prescale: T = 1
    var offset: T = 0
    var scale: T = 0
    var thresholds: UnsafeBufferPointer<T>
    var cells: Int
    var shift: Double = 0
    /// Room for one block's slots (up to `VectorStream.blockVectors` vectors of lanes).
    var slots: UnsafeMutableRawPointer
    /// Interleaved arrays of `stride` counters (a power of two >= `cells + 3`); lane `i` of a
    /// block counts into array `i & copyMask`.
    var counts: UnsafeMutablePointer<UInt32>
    var stride: Int
    var copyMask: Int
    /// `pairBlock`: two copies of 32 × 32 counters, `32 group(a) + group(b)` modulo 1024 for the
    /// lanes of a stream vector's two halves, one copy after the other.
    var pairs: UnsafeMutablePointer<UInt32>?
    /// The counters of one copy of `pairs`.
    static var pairCopy: Int { 32 * 32 }
    /// The end of the stream's whole vectors (see `VectorStream.block(after:)`).
    var streamEnd: UnsafeRawPointer?
    /// Bins of unequal widths counted through the cells (`SecondPass.binLookup`): per slot the bin
    /// of every value in it, or < 0 where a bin edge lies; the kernels count the values of those
    /// slots into `binCounts`, the others' bins come from their slots' counts.
    var binOfSlot: UnsafePointer<Int32>? = nil
    var binCounts: UnsafeMutablePointer<UInt32>? = nil
    /// Every value's bin is counted by its key digit (`EngineFloat.digitBlock`), none from its
    /// slot: the finite values all lie inside bins of unequal widths and `binOfDigit` is set.
    var binsByDigit = false
    /// The layout's bins: `binCounts` holds four copies of their counts for `digitBlock`, one otherwise.
    var binCount = 0
    /// Per top 16-bit key digit from `firstDigit` on (`digitCount` of them), `binOfSlot`'s entry
    /// for the values with that digit, filled the first time a value of a slot holding several
    /// edges needs it (`unknownDigit` until then). Log-spaced edges crowd the equal-width cells
    /// near zero; key digits are log-spaced themselves (128 a binade for `Float`), so nearly
    /// every value of such a cell finds its bin in one load instead of a search.
    var binOfDigit: UnsafeMutablePointer<Int16>? = nil
    var firstDigit = 0
    var digitCount = 0
    /// `cellBlock` with `Keep` on: where this block's packed slots go (16 bytes a vector), for pass 3.
    var kept: UnsafeMutableRawPointer? = nil
    /// `cellBlock` with `MarkZeros` on: the slot of ±0 xor `cells + 3`.
    var zeroFlip = 0
    /// `cellBlock` with `NonFinite` and `Sums` on: room for one block's values (widened), NaN and
    /// ±Inf replaced by `shift`, which the power sums read.
    var finiteCopy: UnsafeMutableRawPointer? = nil
}

extension CellPlan {
    static var unknownDigit: Int16 { .min }

    /// `binOfDigit`'s entry for the values whose key has the top 16 bits `digit`: their bin when
    /// they all share one, `-2 - k` when threshold `k + 1` alone falls among them, otherwise -1.
    func entry(ofDigit digit: Int) -> Int16 {
        let shift = T.Key(T.Key.bitWidth - 16)
        let low = T.Key(truncatingIfNeeded: digit) << shift
        let first = BinLayout<T>.search(T(orderedKey: low), thresholds: thresholds)
        let last = BinLayout<T>.search(T(orderedKey: low | (T.Key.max >> 16)), thresholds: thresholds)
        return last == first ? Int16(truncatingIfNeeded: first) : last == first + 1 ? Int16(truncatingIfNeeded: -2 - first) : -1
    }
}

/// Running totals of `EngineFloat.generalBlock`.
struct BinTotals {
    var underflow = 0
    var overflow = 0
    var sums = PowerSums()
}

/// What the pass-3 kernels look for.
struct GatherPlan<T: EngineFloat> {
    /// Values outside `[inlierLow, inlierHigh]` are outliers (±Inf too: the caller subtracts them).
    var inlierLow: T
    var inlierHigh: T
    /// `gatherBlock`: the cell formula (as in `CellPlan`) and up to `maximumTargets` slots whose
    /// values are candidates (unused entries -1).
    var offset: T = 0
    var scale: T = 0
    var targets: [Int] = []
    /// `gatherByDigitBlock`: per top key digit (2^16 of them), nonzero when values with that
    /// digit may be candidates.
    var flags: UnsafePointer<UInt8>?

    static var maximumTargets: Int { 8 }
}

/// Running totals of the pass-3 kernels.
struct GatherTotals {
    var outliers = 0
}
