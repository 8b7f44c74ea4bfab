import Foundation
import Testing
@testable import HistLog

/// The JSON parser's numbers against `Double(String)` (the standard library's correctly rounded
/// parser) and `Int64(String)`: bit for bit.
@Suite struct DecimalDoubleTests {
    /// The double a JSON number token parses to (an exact integer token as its double).
    func parsed(_ text: String) throws -> Double {
        switch try JSONParser.parse(Array(text.utf8)) {
        case .number(let value): return value
        case .integer(let value): return Double(value)
        default: throw HistlogError.format("\(text) is not a number")
        }
    }

    func expectSameAsStandardLibrary(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try #require(Double(text), sourceLocation: sourceLocation)
        let value = try parsed(text)
        #expect(value.bitPattern == expected.bitPattern, "\(text): got \(value), expected \(expected)", sourceLocation: sourceLocation)
    }

    /// Shortest round-trip text (what the writer prints) of random bit patterns over every
    /// exponent, subnormals included, reads back as the same bits.
    @Test func shortestFormsRoundTrip() throws {
        var generator = SeededGenerator(seed: 42)
        for index in 0..<100_000 {
            var bits = generator.next()
            if index % 10 == 0 { bits &= 0x800F_FFFF_FFFF_FFFF }  // subnormal (or zero)
            let value = Double(bitPattern: bits)
            guard value.isFinite else { continue }
            for text in [value.description, String(format: "%.17g", value), String(format: "%.17e", value)] {
                let parsedValue = try parsed(text)
                #expect(parsedValue.bitPattern == value.bitPattern, "\(text) -> \(parsedValue), expected \(value)")
            }
        }
    }

    /// Random decimal texts — 1 to 25 digits, a point anywhere, exponents past both ends of the
    /// range — round exactly as `Double(String)` rounds them.
    @Test func randomDecimalsRoundLikeTheStandardLibrary() throws {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<100_000 {
            let count = Int(generator.next() % 25) + 1
            var digits = (0..<count).map { _ in Character(String(generator.next() % 10)) }
            if digits.count > 1 && digits[0] == "0" { digits[0] = "1" }
            var text = generator.next() % 2 == 0 ? "-" : ""
            let point = Int(generator.next() % UInt64(count + 1))
            if point > 0 && point < count {
                text += String(digits[..<point]) + "." + String(digits[point...])
            } else {
                text += String(digits)
            }
            if generator.next() % 4 != 0 {
                let exponent = Int(generator.next() % 720) - 360
                text += (generator.next() % 2 == 0 ? "e" : "E") + (exponent >= 0 && generator.next() % 2 == 0 ? "+" : "") + String(exponent)
            }
            if text.contains(".") || text.contains("e") || text.contains("E") || Int64(text) == nil {
                try expectSameAsStandardLibrary(text)
            } else {
                #expect(try JSONParser.parse(Array(text.utf8)) == .integer(Int64(text)!), "\(text)")
            }
        }
    }

    /// Eisel-Lemire alone, for every power of ten of its table: random significands of up to 19
    /// digits. Where it answers, it agrees with `Double(String)`; it may decline only rarely.
    @Test func eiselLemireAgreesForEveryPowerOfTen() throws {
        var generator = SeededGenerator(seed: 3)
        var declined = 0
        for exponent in -342...308 {
            for trial in 0..<64 {
                var significand = generator.next() % 10_000_000_000_000_000_000
                if trial % 4 == 0 { significand %= 1 << 53 }
                if significand == 0 { significand = 1 }
                guard let value = DecimalDouble.eiselLemire(significand: significand, exponent: exponent) else {
                    declined += 1
                    continue
                }
                let expected = try #require(Double("\(significand)e\(exponent)"))
                #expect(value.bitPattern == expected.bitPattern, "\(significand)e\(exponent): got \(value), expected \(expected)")
            }
        }
        #expect(declined < 10, "declined \(declined) of \(651 * 64)")
    }

    @Test(arguments: [
        // Ties to even at 2^53 and at the top of the 64-bit range.
        "9007199254740993", "9007199254740995", "9007199254740993.0", "18446744073709551616.5", "9223372036854775808.0",
        // Exactly halfway between doubles (round to even), and the next digit either side.
        "1.00000000000000011102230246251565404236316680908203125", "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126", "1.0000000000000002220446049250313080847263336181640625",
        // The ends of the range: smallest subnormal, its half (to zero) and just above, largest double, overflow.
        "4.9406564584124654e-324", "5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "2.47032822920623272e-324",
        "2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308", "1.7976931348623157e308",
        "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "1e-400", "-1e-400", "1e999999999", "1e-999999999",
        "123456789012345678901234567890e-330", "0.000000000000000000000000000001e330",
        // Zeros of every sign and shape.
        "0.0", "-0.0", "0e5", "-0e-5", "0.000", "-0.000e+999",
        // Clinger's range edges.
        "9007199254740992e22", "9007199254740992e-22", "9007199254740992e23", "1e22", "1e23", "1e-22", "1e-23",
        // Leading zeros of a fraction are not significant digits.
        "0.0000000000000000000123456789012345678", "0.1", "0.01", "-0.30000000000000004", "3.141592653589793",
        "1E+2", "1e-2", "12.5E3",
    ])
    func hardCases(text: String) throws {
        try expectSameAsStandardLibrary(text)
    }

    @Test func integersStayExact() throws {
        #expect(try JSONParser.parse(Array("9223372036854775807".utf8)) == .integer(.max))
        #expect(try JSONParser.parse(Array("-9223372036854775808".utf8)) == .integer(.min))
        #expect(try JSONParser.parse(Array("-0".utf8)) == .integer(0))
        #expect(try JSONParser.parse(Array("9223372036854775808".utf8)) == .number(9_223_372_036_854_775_808))
        #expect(try JSONParser.parse(Array("-9223372036854775809".utf8)) == .number(-9_223_372_036_854_775_809))
        #expect(try JSONParser.parse(Array("123456789012345678901234567890".utf8)) == .number(1.2345678901234568e29))
        #expect(try JSONParser.parse(Array("1.0".utf8)) == .number(1))
    }

    @Test(arguments: ["01", "-01", "1.", ".5", "1e", "1e+", "-", "+1", "0x10", "1.5e3.2", "--1", "1_000", "NaN", "-Infinity", "Infinity", "1e5e5"])
    func malformedNumbersAreRejected(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }
}
