/// A bfloat16 as stored by PyTorch and JAX (`torch.bfloat16`): the top 16 bits of a `Float`, so
/// every value is a `Float` exactly. The engine reads buffers of them in place (`ValueSummary`,
/// `HistogramSummary`, `hl_compute_bf16`): the statistics are those of the exact `Float` values.
public struct BFloat16: Sendable, Hashable {
    public var bitPattern: UInt16

    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }

    /// `vectors` stream vectors (8 values each) of bfloat16 at `source`, widened into `wide`: for
    /// the kernels that read `Float`s only (`ValueStream.forEachBlock`).
    @inline(__always) static func widen(_ source: UnsafeRawPointer, into wide: UnsafeMutablePointer<Float>, vectors: Int) {
        let out = UnsafeMutableRawPointer(wide)
        for i in 0..<vectors &* 2 {
            out.storeBytes(of: Float.widen(source, halfAt: i), toByteOffset: i &* 16, as: SIMD4<Float>.self)
        }
    }
}
