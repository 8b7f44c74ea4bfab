#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number and JSON text for findings, summaries and reports (the standard library has no
/// `%g`; Foundation is kept out of the engine).
enum TextFormatting {
    /// `x` with `significant` significant digits as C's `%.{significant}g`, exponent without
    /// leading zeros (`1.23e-5`). "nan", "inf", "-inf" for non-finite values.
    static func number(_ x: Double, significant: Int = 3) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        let digits = Swift.max(1, Swift.min(significant, 17))
        var buffer = [CChar](repeating: 0, count: 40)
        let written = withVaList([x]) { arguments in
            buffer.withUnsafeMutableBufferPointer { out in
                vsnprintf(out.baseAddress, out.count, "%.\(digits)g", arguments)
            }
        }
        guard written > 0 else { return x.description }
        let text = String(decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let e = text.firstIndex(of: "e") else { return text }
        var exponent = text[text.index(after: e)...]
        var sign = ""
        if let first = exponent.first, first == "-" || first == "+" {
            sign = first == "-" ? "-" : ""
            exponent = exponent.dropFirst()
        }
        let trimmed = exponent.drop { $0 == "0" }
        return text[..<e] + "e" + sign + (trimmed.isEmpty ? "0" : trimmed)
    }

    /// A count with a k/M/G suffix past 9,999 (`12k`, `3.4M`), at most 5 characters.
    static func count(_ n: Int) -> String {
        if n < 10_000 { return String(n) }
        let units: [(Double, String)] = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
        let value = Double(n)
        for (scale, suffix) in units where value >= scale {
            let scaled = value / scale
            return (scaled < 10 ? number(scaled, significant: 2) : String(Int(scaled.rounded(.down)))) + suffix
        }
        return String(n)
    }

    /// A JSON number: shortest round-trip form, `null` for NaN and ±Inf (strict JSON).
    static func json(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == x.rounded(), Swift.abs(x) < 1e15 { return String(Int64(x)) }
        return x.description
    }

    /// A JSON number with `significant` digits (smaller files where full precision is not needed).
    static func json(_ x: Double, significant: Int) -> String {
        guard x.isFinite else { return "null" }
        if x == x.rounded(), Swift.abs(x) < 1e15 { return String(Int64(x)) }
        return number(x, significant: significant)
    }

    /// A JSON string literal. `<`, `>` and `&` are escaped too, so the text can sit inside an HTML
    /// `<script>` element without ending it.
    static func json(_ s: String) -> String { JSONWriter.quoted(s, escapingHTML: true) }
}
