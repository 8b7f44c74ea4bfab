import Foundation
import Testing
@testable import HistLog

@Suite struct JSONWriterTests {
    func text(_ build: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        build(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test(arguments: [
        (3.0, "3"), (0.0, "0"), (-0.0, "-0.0"), (0.1, "0.1"), (-2.5, "-2.5"), (1e300, "1e+300"),
        (5e-324, "5e-324"), (Double.nan, "null"), (Double.infinity, "null"), (-Double.infinity, "null"),
        (9_007_199_254_740_991.0, "9007199254740991"), (9_007_199_254_740_992.0, "9007199254740992.0"), (1e16, "1e+16"), (123456.0, "123456"),
    ])
    func numbers(value: Double, expected: String) {
        #expect(text { $0.number(value) } == expected)
    }

    @Test func doublesRoundTripExactly() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let value = Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF | (generator.next() & (1 << 63)))
            let encoded = text { $0.number(value) }
            let parsed = try JSONParser.parse(Array(encoded.utf8)).double
            #expect(parsed?.bitPattern == value.bitPattern, "\(value) -> \(encoded)")
        }
    }

    @Test(arguments: ["", "plain", "quote\"back\\slash", "new\nline\ttab\r\u{8}\u{c}", "\u{0}\u{1}\u{1f}\u{7f}",
                      "ünïcødé ✓ 𝄞 😀", "\u{2028}\u{2029}", "a/b", "</script>"])
    func stringsRoundTrip(value: String) throws {
        let encoded = text { $0.string(value) }
        #expect(!encoded.utf8.contains { $0 < 0x20 }, "raw control character in \(encoded)")
        #expect(try JSONParser.parse(Array(encoded.utf8)) == .string(value))
        let foundation = try JSONSerialization.jsonObject(with: Data(("[" + encoded + "]").utf8)) as? [String]
        #expect(foundation == [value])
    }
}

@Suite struct JSONParserTests {
    @Test(arguments: ["NaN", "[NaN]", "Infinity", "-Infinity", "[1,]", "{\"a\":1,}", "01", "-", "1.", ".5", "1e",
                      "\"a\u{1}\"", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "[1 2]", "{1:2}", "tru", "nul", "", "[", "\"abc",
                      "1 1", "+1"])
    func rejects(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func acceptsAndKeepsIntegersExact() throws {
        let value = try JSONParser.parse(Array(#" {"max":9223372036854775807,"min":-9223372036854775808,"f":-1.5e-3,"s":"\ud83d\ude00","n":null,"t":true,"a":[[],{}]} "#.utf8))
        #expect(value["max"] == .integer(.max))
        #expect(value["min"] == .integer(.min))
        #expect(value["f"] == .number(-0.0015))
        #expect(value["s"] == .string("😀"))
        #expect(value["n"] == .null)
        #expect(value["t"] == .bool(true))
        #expect(value["a"] == .array([.array([]), .object([:])]))
    }

    @Test func rejectsDeepNesting() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }
}

@Suite struct MLflowJSONRecordTests {
    @Test func everyFieldRoundTrips() throws {
        for (index, estimated) in [EstimatedStatistics(), [.moments, .quantiles, .outliers, .extremes], [.quantiles]].enumerated() {
            let record = HistogramRecord(key: "weights/layer\"1\"\n✓", step: Int64.max - Int64(index), timestamp: 1_763_900_000.25,
                                         summary: sampleSummary(bins: 5 + index, estimated: estimated, zeroCount: index == 1 ? nil : 3))
            let line = MLflowJSONRecord.encode(record)
            #expect(!line.contains(UInt8(ascii: "\n")))
            let decoded = try MLflowJSONRecord.decode(line)
            #expect(sameRecord(decoded, record))
            #expect(MLflowJSONRecord.encode(decoded) == line)
        }
    }

    @Test func schemaMatchesTheSeedFormat() throws {
        let record = HistogramRecord(key: "weights/layer1", step: 7, timestamp: 1_763_900_000.5, summary: sampleSummary())
        let object = try #require(JSONSerialization.jsonObject(with: Data(MLflowJSONRecord.encode(record))) as? [String: Any])
        let expectedKeys: Set<String> = [
            "name", "step", "timestamp", "bin_edges", "counts", "min_value", "max_value", "total_count", "nan_count",
            "inf_count", "underflow_count", "overflow_count", "zero_count", "outlier_count", "outlier_threshold", "sum",
            "sum_squares", "mean", "std", "skewness", "kurtosis", "quantiles", "median", "moments", "estimated",
            "estimated_statistics",
        ]
        #expect(Set(object.keys) == expectedKeys)
        #expect(object["name"] as? String == "weights/layer1")
        #expect((object["step"] as? NSNumber)?.int64Value == 7)
        #expect(object["counts"] as? [Int] == [10, 17, 24, 31])
        #expect(object["median"] as? Double == 0.0078125)
        #expect((object["quantiles"] as? [String: Double])?.keys.sorted() == ["0.1", "0.25", "0.5", "0.75", "0.9"])
        #expect((object["moments"] as? [String: Any])?.keys.sorted() == ["count", "m2", "m3", "m4", "mean"])
        #expect(object["estimated"] as? Bool == false)
        let text = String(decoding: MLflowJSONRecord.encode(record), as: UTF8.self)
        #expect(text.contains("\"counts\":[10,17,24,31]"))
        #expect(text.contains("\"outlier_threshold\":3.5"))
    }

    @Test func undefinedStatisticsAreNullAndReadBackAsNaN() throws {
        var summary = sampleSummary(estimated: [.moments, .extremes], zeroCount: nil)
        summary.statistics.totalCount = 0
        summary.statistics.mean = .nan
        summary.statistics.standardDeviation = .nan
        summary.statistics.skewness = .infinity
        summary.statistics.kurtosis = -.infinity
        summary.statistics.min = .nan
        summary.statistics.max = .nan
        summary.statistics.quantiles = [.nan, .nan, .nan, .nan, .nan]
        summary.moments = .empty
        let record = HistogramRecord(key: "nan", step: -3, timestamp: 0, summary: summary)
        let line = MLflowJSONRecord.encode(record)
        let text = String(decoding: line, as: UTF8.self)
        #expect(!text.contains("NaN") && !text.contains("Infinity"))
        #expect(text.contains("\"mean\":null") && text.contains("\"zero_count\":null") && text.contains("\"skewness\":null"))
        #expect(text.contains("\"estimated\":true,\"estimated_statistics\":[\"moments\",\"extremes\"]"))
        _ = try JSONSerialization.jsonObject(with: Data(line))
        let decoded = try MLflowJSONRecord.decode(line)
        #expect(decoded.summary.statistics.mean.isNaN && decoded.summary.statistics.skewness.isNaN)
        #expect(decoded.summary.statistics.zeroCount == nil)
        #expect(decoded.summary.statistics.estimated == [.moments, .extremes])
    }

    @Test func readsPlainSeedRecords() throws {
        let seed = #"{"name": "activations/relu1", "step": 100, "timestamp": 1234567890, "bin_edges": [0.0, 0.1, 0.2], "counts": [10, 25], "min_value": 0.0, "max_value": 0.2}"#
        let record = try MLflowJSONRecord.decode(Array(seed.utf8))
        #expect(record.key == "activations/relu1" && record.step == 100 && record.timestamp == 1_234_567_890)
        #expect(record.summary.histogram.counts == [10, 25] && record.summary.statistics.totalCount == 35)
        #expect(record.summary.statistics.estimated == [.moments, .quantiles, .outliers, .extremes])
    }

    @Test(arguments: [#"[]"#, #"{"step":1}"#, #"{"name":"a","step":1.5,"bin_edges":[0,1],"counts":[1]}"#,
                      #"{"name":"a","step":1,"bin_edges":[0,1,2],"counts":[1]}"#, #"{"name":"a","step":1,"bin_edges":[0,"x"],"counts":[1]}"#])
    func rejectsMalformedRecords(text: String) {
        #expect(throws: HistlogError.self) { try MLflowJSONRecord.decode(Array(text.utf8)) }
    }
}
