/// A floating-point type whose values a `BinLayout` places: `Float` or `Double`.
///
/// Bin searches bisect over `orderedKey`, an unsigned integer that sorts like the value, and
/// thresholds are the nearest values of this type to a `Double` edge (`roundedUp`, `roundedDown`).
protocol BinnableFloat: BinaryFloatingPoint, Sendable {
    /// Unsigned integer of the same width; `orderedKey` sorts like the value (-0 just below +0).
    associatedtype Key: FixedWidthInteger & UnsignedInteger & SIMDScalar

    var orderedKey: Key { get }
    var bitPattern: Key { get }
    init(orderedKey: Key)
}

extension Float: BinnableFloat {
    typealias Key = UInt32

    @inline(__always) var orderedKey: UInt32 {
        let b = bitPattern
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }

    @inline(__always) init(orderedKey key: UInt32) {
        self.init(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
    }
}

extension Double: BinnableFloat {
    typealias Key = UInt64

    @inline(__always) var orderedKey: UInt64 {
        let b = bitPattern
        return b & 0x8000_0000_0000_0000 != 0 ? ~b : b | 0x8000_0000_0000_0000
    }

    @inline(__always) init(orderedKey key: UInt64) {
        self.init(bitPattern: key & 0x8000_0000_0000_0000 != 0 ? key & 0x7FFF_FFFF_FFFF_FFFF : ~key)
    }
}

extension BinnableFloat {
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
