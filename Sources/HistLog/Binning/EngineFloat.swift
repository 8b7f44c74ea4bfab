/// The element types the engine reads without copying: `Float` and `Double`.
///
/// Each provides an order-preserving unsigned key (for radix selection of exact quantiles) and
/// the SIMD vector the streaming passes load (64 bytes: 16 floats or 8 doubles).
protocol EngineFloat: BinaryFloatingPoint, SIMDScalar, Codable, Sendable
where RawSignificand: FixedWidthInteger, Vector.Scalar == Self, Vector.MaskStorage == Lanes {
    /// Unsigned integer of the same width; `orderedKey` sorts like the value (-0 just below +0).
    associatedtype Key: FixedWidthInteger & UnsignedInteger
    /// The vector the passes load.
    associatedtype Vector: SIMD
    /// Integer lanes as wide as the vector's scalar (the storage of its masks).
    associatedtype Lanes: SIMD where Lanes.Scalar: FixedWidthInteger & SignedInteger, Lanes.MaskStorage == Lanes

    var orderedKey: Key { get }
    init(orderedKey: Key)
    /// 2^(significandBitCount): adding it to a value in [0, 2^(significandBitCount-1)) leaves the
    /// value rounded to an integer in the low significand bits.
    static var roundingMagic: Self { get }
    /// Pass-1 kernel (see `Kernels+Float.swift`).
    static func scanBlock(_ pointer: UnsafeRawPointer, _ vectors: Int, magnitudes: Bool, into totals: inout ScanTotals<Self>)
    /// Pass-2 kernel.
    static func binBlock(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: BinningPlan<Self>, shift: Double?,
        radix: UnsafeMutablePointer<UInt32>?, into totals: inout BinTotals)
    /// Pass-3 kernel.
    static func gatherBlock(
        _ pointer: UnsafeRawPointer, _ vectors: Int, plan: GatherPlan<Self>, into totals: inout GatherTotals,
        candidate: (Self) -> Void)
    /// Calls `body` with the vector's lanes converted to `Double`, 4 at a time.
    static func withDoubles(_ vector: Vector, _ body: (SIMD4<Double>) -> Void)
}

extension Float: EngineFloat {
    typealias Key = UInt32

    @inline(__always) var orderedKey: UInt32 {
        let b = bitPattern
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }

    @inline(__always) init(orderedKey key: UInt32) {
        self.init(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
    }

    static var roundingMagic: Float { 8_388_608 }  // 2^23

    @inline(__always) static func withDoubles(_ vector: SIMD8<Float>, _ body: (SIMD4<Double>) -> Void) {
        body(SIMD4<Double>(vector.lowHalf))
        body(SIMD4<Double>(vector.highHalf))
    }
}

extension Double: EngineFloat {
    typealias Key = UInt64

    @inline(__always) var orderedKey: UInt64 {
        let b = bitPattern
        return b & 0x8000_0000_0000_0000 != 0 ? ~b : b | 0x8000_0000_0000_0000
    }

    @inline(__always) init(orderedKey key: UInt64) {
        self.init(bitPattern: key & 0x8000_0000_0000_0000 != 0 ? key & 0x7FFF_FFFF_FFFF_FFFF : ~key)
    }

    static var roundingMagic: Double { 4_503_599_627_370_496 }  // 2^52

    @inline(__always) static func withDoubles(_ vector: SIMD4<Double>, _ body: (SIMD4<Double>) -> Void) {
        body(vector)
    }
}

extension EngineFloat {
    /// The largest value of this type that is <= `value` (a finite `Double`); -infinity when none
    /// is finite.
    static func roundedDown(_ value: Double) -> Self {
        if value >= Double(greatestFiniteMagnitude) { return greatestFiniteMagnitude }
        if value < -Double(greatestFiniteMagnitude) { return -infinity }
        var r = Self(value)
        if Double(r) > value { r = r.nextDown }
        return r
    }

    /// The smallest value of this type that is >= `value` (a finite `Double`); +infinity when none
    /// is finite.
    static func roundedUp(_ value: Double) -> Self {
        if value > Double(greatestFiniteMagnitude) { return infinity }
        if value <= -Double(greatestFiniteMagnitude) { return -greatestFiniteMagnitude }
        var r = Self(value)
        if Double(r) < value { r = r.nextUp }
        return r
    }
}
