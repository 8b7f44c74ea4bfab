/// Streaming over a buffer as 32-byte vectors (8 floats or 4 doubles), in blocks.
///
/// The kernels that read the vectors (`EngineFloat.scanBlock`, `binBlock`, `gatherBlock`) are
/// written once per concrete type: in generic code, Swift resolves SIMD operators to the
/// protocol's lane-by-lane defaults instead of the vector instructions of `SIMD8<Float>` and
/// `SIMD4<Double>`. Blocks of `blockVectors` vectors let kernels keep 32-bit lane counters and
/// partial sums, folded into wide totals at the end of each block. The ragged end is one vector
/// padded with NaN, which every kernel treats as "not a finite value" (`padding` lanes).
enum VectorStream {
    static let blockVectors = 1024

    /// Calls `body(pointer, vectorCount, isPaddedTail)` for consecutive blocks, the padded tail last.
    @inline(__always)
    static func forEachBlock<T: EngineFloat>(_ values: UnsafeBufferPointer<T>, _ body: (UnsafeRawPointer, Int, Bool) -> Void) {
        guard let base = values.baseAddress else { return }
        let lanes = T.Vector.scalarCount
        let fullVectors = values.count / lanes
        let raw = UnsafeRawPointer(base)
        var vector = 0
        while vector < fullVectors {
            let count = Swift.min(blockVectors, fullVectors - vector)
            body(raw + vector * MemoryLayout<T.Vector>.stride, count, false)
            vector += count
        }
        if values.count > fullVectors * lanes {
            var tail = T.Vector(repeating: .nan)
            for i in fullVectors * lanes..<values.count { tail[i - fullVectors * lanes] = values[i] }
            withUnsafeBytes(of: &tail) { body($0.baseAddress!, 1, true) }
        }
    }

    /// NaN lanes added to the ragged end.
    static func padding<T: EngineFloat>(_ values: UnsafeBufferPointer<T>) -> Int {
        let lanes = T.Vector.scalarCount
        let rest = values.count % lanes
        return rest == 0 ? 0 : lanes - rest
    }
}

/// Running totals of `EngineFloat.scanBlock`.
struct ScanTotals<T: EngineFloat> {
    var nan = 0
    var min = T.infinity
    var max = -T.infinity
    var smallestNonzeroMagnitude = T.infinity
}

/// What `EngineFloat.binBlock` needs to place values in cells: the bins of a `BinLayout`, each
/// split into `2^fineBits` equal cells when the layout is uniform (see `SecondPass`).
struct BinningPlan<T: EngineFloat> {
    var lowest: T
    var highest: T
    /// Uniform: `cell = min(floor((x * halving - offset) * scale), cells - 1)`; else `thresholds`
    /// are searched (one cell per bin).
    var uniform: Bool
    var halving: T = 1
    var offset: T = 0
    var scale: T = 0
    var thresholds: UnsafeBufferPointer<T>
    var cells: Int
    /// Every value finite and inside `[lowest, highest]`: the kernel skips its masks.
    var clean: Bool
    /// Interleaved arrays of `stride` counters (a power of two > `cells + 1`; counter `cells` takes
    /// values the formula puts at the very top, which belong to the last cell, and `cells + 1`
    /// values outside the bins); lane `i` counts into array `i & copyMask`.
    var counts: UnsafeMutablePointer<UInt32>
    var stride: Int
    var copyMask: Int
    /// When set (clean uniform passes with few cells), values are counted in pairs: counter
    /// `a * (cells + 1) + b` for cells `a` and `b` of lanes `i` and `i + lanes / 2`.
    var pairs: UnsafeMutablePointer<UInt32>?
    var pairMask: Int = 0
    /// Room for one block's cell indices (`VectorStream.blockVectors` vectors of lanes).
    var indices: UnsafeMutableRawPointer
}

/// Running totals of `EngineFloat.binBlock`.
struct BinTotals {
    var underflow = 0
    var overflow = 0
    /// Σ (x - shift)^k, k = 1...4.
    var s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0
}

/// What `EngineFloat.gatherBlock` looks for.
struct GatherPlan<T: EngineFloat> {
    /// Values outside `[inlierLow, inlierHigh]` are outliers (±Inf too: the caller subtracts them).
    var inlierLow: T
    var inlierHigh: T
    var zeroTolerance: T
    /// Per top key digit (2^16 of them): nonzero when values with that digit may be candidates.
    var flags: UnsafePointer<UInt8>
}

/// Running totals of `EngineFloat.gatherBlock`.
struct GatherTotals {
    var outliers = 0
    var zeros = 0
}
