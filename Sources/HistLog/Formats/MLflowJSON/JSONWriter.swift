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
        // Digits from the last, into a buffer of the longest (Int64.min's 19 and a sign): no String.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude, start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                digits[start] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
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
        var text = value.description
        text.withUTF8 { bytes.append(contentsOf: $0) }
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
    /// copied as UTF-8 (Swift strings are valid Unicode, so the output is valid UTF-8). With
    /// `escapingHTML`, `<`, `>`, `&`, U+2028 and U+2029 become `\u` escapes too, so the text can
    /// sit inside an HTML `<script>` element without ending it, and every control character but
    /// `\n`, `\r` and `\t` is written `\u00XX`.
    mutating func string(_ value: String, escapingHTML: Bool = false) {
        bytes.append(UInt8(ascii: "\""))
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": raw("\\\"")
            case "\\": raw("\\\\")
            case "\n": raw("\\n")
            case "\r": raw("\\r")
            case "\t": raw("\\t")
            case "\u{8}" where !escapingHTML: raw("\\b")
            case "\u{C}" where !escapingHTML: raw("\\f")
            case "\u{0}"..."\u{1F}": unicodeEscape(scalar.value)
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                if escapingHTML { unicodeEscape(scalar.value) } else { bytes.append(contentsOf: scalar.utf8) }
            default: bytes.append(contentsOf: scalar.utf8)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `value` as a JSON string literal (see `string(_:escapingHTML:)`).
    static func quoted(_ value: String, escapingHTML: Bool = false) -> String {
        var json = JSONWriter(capacity: value.utf8.count + 2)
        json.string(value, escapingHTML: escapingHTML)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// `"name":` — the key of an object member.
    mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        raw("\":")
    }

    mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    /// `\uXXXX` (lower-case hex), for scalars in the Basic Multilingual Plane.
    private mutating func unicodeEscape(_ value: UInt32) {
        raw("\\u")
        for shift in stride(from: 12, through: 0, by: -4) { bytes.append(Self.hexDigit(UInt8(value >> UInt32(shift) & 0xF))) }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
