/// A bfloat16 as stored by PyTorch and JAX (`torch.bfloat16`): the top 16 bits of a `Float`, so
/// every value is a `Float` exactly. The engine reads buffers of them in place (`ValueSummary`,
/// `HistogramSummary`, `hl_compute_bf16`): the statistics are those of the exact `Float` values.
public struct BFloat16: Sendable, Hashable {
    public var bitPattern: UInt16

    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }

    /// `vectors` stream vectors (8 values each) of bfloat16 at `source`, widened into `wide`. The
    /// loop also reads one byte per cache line of `ahead` (through offset `last`), the next block's
    /// source, so that it arrives while the kernels work on this one (see `VectorStream.block(after:)`).
    @inline(__always) static func widen(
        _ source: UnsafeRawPointer, into wide: UnsafeMutablePointer<Float>, vectors: Int,
        readingAhead ahead: UnsafeRawPointer, through last: Int
    ) {
        let out = UnsafeMutableRawPointer(wide)
        var touched: UInt8 = 0
        for i in 0..<vectors {
            let bits = SIMD8<UInt32>(truncatingIfNeeded: source.loadUnaligned(fromByteOffset: i &* 16, as: SIMD8<UInt16>.self))
            out.storeBytes(of: bits &<< 16, toByteOffset: i &* 32, as: SIMD8<UInt32>.self)
            if i & 3 == 0 { touched |= ahead.load(fromByteOffset: Swift.min(i &* 16, last), as: UInt8.self) }  // a line per 4
        }
        VectorStream.readAhead.store(touched, ordering: .relaxed)
    }
}
