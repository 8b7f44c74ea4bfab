/// Streaming over a buffer as 64-byte vectors (16 floats or 8 doubles), in blocks.
///
/// The kernels that read the vectors (`EngineFloat.scanBlock`, `binBlock`, `gatherBlock`) are
/// written once per concrete type: in generic code, Swift resolves SIMD operators to the
/// protocol's lane-by-lane defaults instead of the vector instructions of `SIMD16<Float>` and
/// `SIMD8<Double>`. Blocks of `blockVectors` vectors let kernels keep 32-bit lane counters and
/// partial sums, folded into wide totals at the end of each block. The ragged end is one vector
/// padded with NaN, which every kernel treats as "not a finite value" (`padding` lanes).
enum VectorStream {
    static let blockVectors = 1024

    /// Calls `body(pointer, vectorCount)` for consecutive blocks, the padded tail last.
    @inline(__always)
    static func forEachBlock<T: EngineFloat>(_ values: UnsafeBufferPointer<T>, _ body: (UnsafeRawPointer, Int) -> Void) {
        guard let base = values.baseAddress else { return }
        let lanes = T.Vector.scalarCount
        let fullVectors = values.count / lanes
        let raw = UnsafeRawPointer(base)
        var vector = 0
        while vector < fullVectors {
            let count = Swift.min(blockVectors, fullVectors - vector)
            body(raw + vector * MemoryLayout<T.Vector>.stride, count)
            vector += count
        }
        if values.count > fullVectors * lanes {
            var tail = T.Vector(repeating: .nan)
            for i in fullVectors * lanes..<values.count { tail[i - fullVectors * lanes] = values[i] }
            withUnsafeBytes(of: &tail) { body($0.baseAddress!, 1) }
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
    var finite = 0
    var nan = 0
    var zero = 0
    var sum = 0.0
    var min = T.infinity
    var max = -T.infinity
    var smallestNonzeroMagnitude = T.infinity
}

/// What `EngineFloat.binBlock` needs to place values in bins (see `BinLayout`).
struct BinningPlan<T: EngineFloat> {
    var lowest: T
    var highest: T
    /// `.uniform`: `min(floor((x * halving - offset) * scale), binCount - 1)`; else `thresholds` are searched.
    var uniform: Bool
    var halving: T = 1
    var offset: T = 0
    var scale: T = 0
    var thresholds: UnsafeBufferPointer<T>
    var binCount: Int
    /// `copies` interleaved arrays of `binCount + 1` counters (the last takes values outside the bins).
    var bins: UnsafeMutablePointer<Int>
    static var copies: Int { 4 }
}

/// Running totals of `EngineFloat.binBlock`.
struct BinTotals {
    var underflow = 0
    var overflow = 0
    /// Σ (x - shift)^k, k = 1...4.
    var s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0
}
