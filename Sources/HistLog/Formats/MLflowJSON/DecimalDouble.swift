/// Decimal significand × 10^exponent -> the nearest `Double` (ties to even), exactly as
/// `Double(String)` rounds, without going through text.
///
/// Two fast paths, each exact when it answers:
/// - Clinger's: a significand below 2^53 and |exponent| <= 22 are both exact doubles, so one
///   multiplication or division rounds correctly.
/// - Eisel-Lemire (D. Lemire, "Number Parsing at a Gigabyte per Second", 2021; N. Mushtak and
///   D. Lemire, "Fast Number Parsing Without Fallback", 2023): the significand times a 128-bit
///   approximation of 5^exponent (`powersOfFive`) holds enough bits to round correctly for any
///   significand of at most 19 digits; the one case the 2021 paper leaves open (a product whose
///   low word is all ones outside the exact range) answers nil here.
/// nil means "ask a slower exact parser" (`Double(String)`).
enum DecimalDouble {
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The magnitude `significand × 10^exponent` rounded to the nearest double, or nil.
    /// `significand` must hold every significant digit (at most 19 of them).
    @inline(__always)
    static func value(significand: UInt64, exponent: Int) -> Double? {
        if significand <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            let exact = Double(significand)
            return exponent < 0 ? exact / exactPowersOfTen[-exponent] : exact * exactPowersOfTen[exponent]
        }
        return eiselLemire(significand: significand, exponent: exponent)
    }

    static func eiselLemire(significand: UInt64, exponent q: Int) -> Double? {
        if significand == 0 || q < -342 { return 0 }
        if q > 308 { return .infinity }
        let leadingZeros = significand.leadingZeroBitCount
        let w = significand << UInt64(leadingZeros)

        // 55 bits are needed: 52 explicit + the implicit bit + a rounding bit + one that the
        // product's top bit may lose. Refine with the low word when the high word's spare bits
        // are all ones (the truncated approximation might carry into them).
        let index = 2 * (q + 342)
        var (high, low) = w.multipliedFullWidth(by: powersOfFive[index])
        let precisionMask: UInt64 = .max >> 55
        if high & precisionMask == precisionMask {
            let (secondHigh, _) = w.multipliedFullWidth(by: powersOfFive[index + 1])
            low &+= secondHigh
            if secondHigh > low { high &+= 1 }
        }
        if low == .max && (q < -27 || q > 55) { return nil }

        let upperBit = Int(high >> 63)
        let shift = UInt64(upperBit + 64 - 52 - 3)
        var mantissa = high >> shift
        // floor(q * log2(10)) + 63 via fixed point, exact for |q| < 400.
        var power2 = (((152_170 + 65_536) * q) >> 16) + 63 + upperBit - leadingZeros + 1023
        if power2 <= 0 {
            // Subnormal (or zero): shift down to the fixed exponent, then round half up; ties
            // cannot occur this far from 1.
            if -power2 + 1 >= 64 { return 0 }
            mantissa >>= UInt64(-power2 + 1)
            mantissa += mantissa & 1
            mantissa >>= 1
            power2 = mantissa < 1 << 52 ? 0 : 1
            return Double(bitPattern: UInt64(power2) << 52 | mantissa & ((1 << 52) - 1))
        }
        // An exact tie (only possible where 5^q fits in 64 bits): round to even.
        if low <= 1 && q >= -4 && q <= 23 && mantissa & 3 == 1 && mantissa << shift == high {
            mantissa &= ~1
        }
        mantissa += mantissa & 1
        mantissa >>= 1
        if mantissa >= 2 << 52 {
            mantissa = 1 << 52
            power2 += 1
        }
        mantissa &= ~(1 << 52)
        if power2 >= 0x7FF { return .infinity }
        return Double(bitPattern: UInt64(power2) << 52 | mantissa)
    }
}
