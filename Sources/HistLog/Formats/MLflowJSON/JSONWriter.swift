/// Appends strict JSON (RFC 8259) to a byte buffer.
///
/// Numbers: non-finite doubles become `null` (JSON has no NaN or Infinity); whole numbers
/// below 2^53 print as integers (`3`, not `3.0`); other doubles print Swift's shortest
/// round-trip form, so parsing the text gives back the same bits. `-0.0` keeps its sign.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func null() { raw("null") }

    mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    mutating func integer(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func integer(_ value: Int) { integer(Int64(value)) }

    mutating func number(_ value: Double) {
        guard value.isFinite else { return null() }
        if value == 0 {
            return value.sign == .minus ? raw("-0.0") : raw("0")
        }
        if value == value.rounded(.towardZero), abs(value) < 9_007_199_254_740_992 {
            return integer(Int64(value))
        }
        bytes.append(contentsOf: value.description.utf8)
    }

    /// An optional integer: `null` when absent.
    mutating func integer(_ value: Int?) {
        if let value { integer(value) } else { null() }
    }

    mutating func numbers(_ values: [Double]) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            number(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A JSON string: quotes, backslashes and control characters escaped; everything else is
    /// copied as UTF-8 (Swift strings are valid Unicode, so the output is valid UTF-8).
    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case UInt8(ascii: "\n"): raw("\\n")
            case UInt8(ascii: "\r"): raw("\\r")
            case UInt8(ascii: "\t"): raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0..<0x20:
                raw("\\u00")
                bytes.append(Self.hexDigit(byte >> 4))
                bytes.append(Self.hexDigit(byte & 0xF))
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `"name":` — the key of an object member.
    mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        raw("\":")
    }

    mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
