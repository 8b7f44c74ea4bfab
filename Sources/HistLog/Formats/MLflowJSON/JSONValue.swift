/// A parsed JSON value. Integers without fraction or exponent that fit in 64 bits stay exact
/// (`integer`), so steps up to `Int64.max` survive a round trip.
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A number as a double; `null` reads as NaN (how the writer stores undefined statistics).
    var double: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        case .null: .nan
        default: nil
        }
    }

    var int64: Int64? {
        switch self {
        case .integer(let value): value
        case .number(let value): Int64(exactly: value)
        default: nil
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }
}

/// A strict RFC 8259 parser: no NaN/Infinity tokens, no trailing commas, no comments,
/// no leading zeros, no raw control characters in strings, at most `maximumDepth` nesting.
struct JSONParser {
    static let maximumDepth = 256

    struct Failure: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "\(reason) at byte \(offset)" }
    }

    /// Parses exactly one value surrounded by optional whitespace.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.failure("unexpected text after the value") }
        return value
    }

    static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(Failure) -> JSONValue in try parse(buffer) }
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    /// The name of the last record read (`parseRecord`), which the next one likely shares.
    var previousName: String?

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    func failure(_ reason: String) -> Failure { Failure(offset: position, reason: reason) }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            position += 1
        }
    }

    mutating func expect(_ literal: StaticString) throws(Failure) {
        let length = literal.utf8CodeUnitCount
        guard position + length <= bytes.count else { throw failure("truncated literal") }
        for index in 0..<length where bytes[position + index] != literal.utf8Start[index] {
            throw failure("invalid literal")
        }
        position += length
    }

    mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        guard depth < Self.maximumDepth else { throw failure("nesting deeper than \(Self.maximumDepth)") }
        guard let byte = current else { throw failure("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            switch try parseNumber() {
            case .integer(let value): return .integer(value)
            case .double(let value): return .number(value)
            }
        default: throw failure("unexpected character")
        }
    }

    private mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
        position += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a member name") }
            let name = try parseString()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure("expected ':'") }
            position += 1
            skipWhitespace()
            members[name] = try parseValue(depth: depth + 1)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            default: throw failure("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            default: throw failure("expected ',' or ']'")
            }
        }
    }

    /// A number token: `integer` when it has no fraction or exponent and fits in 64 bits, else
    /// the nearest double (`DecimalDouble`, or `Double(String)` for more than 19 digits and the
    /// rare cases the fast paths leave open). Out-of-range magnitudes become ±infinity or ±0,
    /// as `Double(String)` makes them.
    enum Number { case integer(Int64), double(Double) }

    mutating func parseNumber() throws(Failure) -> Number {
        let start = position
        let negative = current == UInt8(ascii: "-")
        if negative { position += 1 }
        let digitsStart = position
        guard let first = digit(at: position) else { throw failure("expected a digit") }
        // The digits as one integer (wrapping past 19 digits: checked below), and the exponent.
        var significand: UInt64 = 0
        if first == 0 {
            position += 1
        } else {
            appendDigits(to: &significand)
        }
        var digitCount = position - digitsStart
        var exponent = 0
        var isInteger = true
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            let fractionStart = position
            appendDigits(to: &significand)
            guard position > fractionStart else { throw failure("expected a digit after '.'") }
            digitCount += position - fractionStart
            exponent = fractionStart - position
        }
        let mantissaEnd = position
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            let exponentNegative = current == UInt8(ascii: "-")
            if exponentNegative || current == UInt8(ascii: "+") { position += 1 }
            let exponentStart = position
            var written = 0
            while let digit = digit(at: position) {
                if written < 1_000_000 { written = written * 10 + Int(digit) }  // far past any double's range
                position += 1
            }
            guard position > exponentStart else { throw failure("expected a digit in the exponent") }
            exponent += exponentNegative ? -written : written
        }
        var exact = digitCount <= 19
        if !exact {
            // Leading zeros ("0.000…") are not significant digits.
            var significant = digitCount
            for byte in bytes[digitsStart..<mantissaEnd] {
                if byte == UInt8(ascii: "0") { significant -= 1 } else if byte != UInt8(ascii: ".") { break }
            }
            exact = significant <= 19
        }
        if exact {
            if isInteger {
                if negative, significand <= 1 << 63 { return .integer(Int64(bitPattern: 0 &- significand)) }
                if !negative, significand <= UInt64(Int64.max) { return .integer(Int64(significand)) }
            }
            if significand == 0 { return .double(negative ? -0.0 : 0.0) }
            if let magnitude = DecimalDouble.value(significand: significand, exponent: exponent) {
                return .double(negative ? -magnitude : magnitude)
            }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text) else { throw Failure(offset: start, reason: "invalid number") }
        return .double(value)
    }

    /// Appends the digits at `position` to `significand` (wrapping past 19 digits), eight at a
    /// time while it can, and moves past them.
    @inline(__always)
    private mutating func appendDigits(to significand: inout UInt64) {
        while position + 8 <= bytes.count, let eight = eightDigits(at: position) {
            significand = significand &* 100_000_000 &+ eight
            position += 8
        }
        while let digit = digit(at: position) {
            significand = significand &* 10 &+ digit
            position += 1
        }
    }

    @inline(__always)
    private func digit(at offset: Int) -> UInt64? {
        guard offset < bytes.count, case let digit = bytes[offset] &- UInt8(ascii: "0"), digit < 10 else { return nil }
        return UInt64(digit)
    }

    /// The value of the eight ASCII digits at `offset`, or nil if any byte is not a digit
    /// (SWAR: one 64-bit load, three multiplications).
    @inline(__always)
    private func eightDigits(at offset: Int) -> UInt64? {
        let chunk = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + offset).loadUnaligned(as: UInt64.self))
        guard ((chunk &+ 0x4646_4646_4646_4646) | (chunk &- 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080 == 0 else { return nil }
        var value = chunk &- 0x3030_3030_3030_3030
        value = value &* 10 &+ value >> 8  // pairs of digits in every other byte
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        value = ((value & mask) &* (100 + 1_000_000 << 32) &+ (value >> 16 & mask) &* (1 + 10_000 << 32)) >> 32
        return value
    }

    mutating func parseString() throws(Failure) -> String {
        position += 1
        let start = position
        // Fast path: no escapes.
        var ascii = true
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 {
            ascii = ascii && byte < 0x80
            position += 1
        }
        if current == UInt8(ascii: "\"") {
            position += 1
            let utf8 = UnsafeBufferPointer(rebasing: bytes[start..<position - 1])
            if ascii { return String(decoding: utf8, as: UTF8.self) }  // nothing to validate
            guard let string = String(validating: utf8, as: UTF8.self) else {
                throw Failure(offset: start, reason: "string is not valid UTF-8")
            }
            return string
        }
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while true {
            guard let byte = current else { throw failure("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let string = String(validating: utf8, as: UTF8.self) else {
                    throw Failure(offset: start, reason: "string is not valid UTF-8")
                }
                return string
            case UInt8(ascii: "\\"):
                position += 1
                try parseEscape(into: &utf8)
            case 0..<0x20:
                throw failure("raw control character in a string")
            default:
                utf8.append(byte)
                position += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(Failure) {
        guard let byte = current else { throw failure("unterminated escape") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard current == UInt8(ascii: "\\") else { throw failure("unpaired surrogate") }
                position += 1
                guard current == UInt8(ascii: "u") else { throw failure("unpaired surrogate") }
                position += 1
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("unpaired surrogate") }
            utf8.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw failure("invalid escape")
        }
    }

    private mutating func parseHex4() throws(Failure) -> UInt32 {
        guard position + 4 <= bytes.count else { throw failure("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid hex digit")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}
