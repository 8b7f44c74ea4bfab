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

    @Test func integersMatchTheirDecimalText() {
        var generator = SystemRandomNumberGenerator()
        let values: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, 1_234_567_890, .max, .min, .max - 1, .min + 1]
            + (0..<500).map { _ in Int64(bitPattern: generator.next()) >> Int64.random(in: 0..<63) }
        for value in values {
            #expect(text { $0.integer(value) } == String(value))
        }
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

    @Test func escapesExactly() {
        let value = "q\"b\\n\nr\rt\tb\u{8}f\u{c}c\u{1}d\u{7f}</x>&\u{2028}é"
        #expect(text { $0.string(value) } == #""q\"b\\n\nr\rt\tb\bf\fc\u0001d\#u{7f}</x>&\#u{2028}é""#)
        #expect(JSONWriter.quoted(value, escapingHTML: true)
            == #""q\"b\\n\nr\rt\tb\u0008f\u000cc\u0001d\#u{7f}\u003c/x\u003e\u0026\u2028é""#)
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

/// The record decoder reads the bytes straight into a record: it must accept and reject
/// exactly what a strict parse accepts and rejects, and read what Foundation reads.
@Suite struct MLflowJSONRecordDecodingTests {
    func decode(_ text: String) throws -> HistogramRecord { try MLflowJSONRecord.decode(Array(text.utf8)) }

    @Test func fieldsMatchFoundationsReading() throws {
        var generator = SeededGenerator(seed: 11)
        for index in 0..<200 {
            let values = (0..<(50 + index)).map { _ in generator.normal() * pow(10, Double(Int(generator.next() % 40)) - 20) }
            let summary = try HistogramSummary(values: values, bins: BinConfig(bins: 1 + index % 40))
            let record = HistogramRecord(key: "k\(index)", step: Int64(index) - 100, timestamp: 1_763_900_000 + Double(index) / 7, summary: summary)
            let line = MLflowJSONRecord.encode(record)
            let decoded = try MLflowJSONRecord.decode(line)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            func number(_ key: String, in dictionary: [String: Any]? = nil) -> Double {
                ((dictionary ?? object)[key] as? NSNumber)?.doubleValue ?? .nan
            }
            // Foundation's reading of doubles can be a few ulps off (it does not round correctly);
            // bit-exactness is checked against the record written (`sameRecord`) and, for
            // numbers alone, against Double(String) in DecimalDoubleTests.
            func same(_ x: Double, _ y: Double) -> Bool { isClose(x, y, relative: 1e-13) || (x.isNaN && y.isNaN) }
            #expect(decoded.key == object["name"] as? String)
            #expect(decoded.step == (object["step"] as? NSNumber)?.int64Value)
            #expect(same(decoded.timestamp, number("timestamp")))
            let edges = try #require((object["bin_edges"] as? [NSNumber])?.map(\.doubleValue))
            #expect(edges.count == decoded.summary.histogram.edges.count && zip(edges, decoded.summary.histogram.edges).allSatisfy(same))
            #expect(decoded.summary.histogram.counts == (object["counts"] as? [NSNumber])?.map(\.doubleValue))
            let statistics = decoded.summary.statistics
            let pairs: [(Double, String)] = [
                (statistics.min, "min_value"), (statistics.max, "max_value"), (statistics.sum, "sum"), (statistics.sumOfSquares, "sum_squares"),
                (statistics.mean, "mean"), (statistics.standardDeviation, "std"), (statistics.skewness, "skewness"), (statistics.kurtosis, "kurtosis"),
            ]
            for (value, key) in pairs { #expect(same(value, number(key)), "\(key)") }
            let quantiles = object["quantiles"] as? [String: Any]
            #expect(zip(statistics.quantiles, MLflowJSONRecord.quantileKeys).allSatisfy { same($0, number($1, in: quantiles)) })
            let moments = object["moments"] as? [String: Any]
            #expect(decoded.summary.moments.count == (moments?["count"] as? NSNumber)?.intValue)
            #expect(same(decoded.summary.moments.m4, number("m4", in: moments)))
            #expect(sameRecord(decoded, record))
        }
    }

    @Test func layoutOrderEscapesAndUnknownMembersDoNotMatter() throws {
        let text = """
             {  "n\\u0061me" : "a\\/b" , "extra": [1, {"deep": [true, false, null, "x"]}, -2.5e-3],
              "counts": [ 1 , 2 ], "step" : 3, "bin_edges":[0,0.5,1], "quantiles": {"0.5": 0.25, "other": {}},
              "moments": {"count": 3, "m2": null}, "estimated_statistics": ["quantiles", 7, "nonsense"], "total_count": 3 }\t
            """
        let record = try decode(text)
        #expect(record.key == "a/b" && record.step == 3 && record.summary.histogram.edges == [0, 0.5, 1])
        #expect(record.summary.histogram.counts == [1, 2] && record.summary.statistics.totalCount == 3)
        #expect(record.summary.statistics.quantiles[2] == 0.25 && record.summary.statistics.quantiles[0].isNaN)
        #expect(record.summary.moments.count == 3 && record.summary.moments.m2.isNaN)
        #expect(record.summary.statistics.estimated == [.quantiles])
        #expect(record.timestamp.isNaN && record.summary.statistics.outlierThreshold == 3)
    }

    /// Records of one file reuse the previous record's name when its bytes repeat: never for a
    /// name that was written with escapes, whose bytes mean something else unescaped.
    @Test func namesSharedBetweenRecordsAreStillDecodedExactly() throws {
        func names(_ lines: [String]) throws -> [String] {
            let text = "[\n" + lines.map { "{\"name\":\($0),\"step\":1,\"bin_edges\":[0,1],\"counts\":[1]}" }.joined(separator: "\n,") + "\n]\n"
            return try recordsOfFile(Array(text.utf8)).map(\.key)
        }
        #expect(try names(["\"a/b\"", "\"a/b\"", "\"a\\/b\"", "\"a/b\"", "\"a/bc\"", "\"a/\""]) == ["a/b", "a/b", "a/b", "a/b", "a/bc", "a/"])
        #expect(try names(["\"a\\\\b\"", "\"a\\b\""]) == ["a\\b", "a\u{8}"])
        #expect(try names(["\"é\"", "\"é\"", "\"\\u00e9\""]) == ["é", "é", "é"])
    }

    @Test func aRepeatedMemberKeepsItsLastValue() throws {
        let record = try decode(#"{"name":"a","step":1,"step":2,"bin_edges":[5,6,7],"bin_edges":[0,1],"counts":[4],"name":"b"}"#)
        #expect(record.key == "b" && record.step == 2 && record.summary.histogram.edges == [0, 1])
    }

    @Test func nullIsUndefined() throws {
        let record = try decode(#"{"name":"a","step":1,"timestamp":null,"bin_edges":[0,1],"counts":[0],"mean":null,"total_count":0,"zero_count":null}"#)
        #expect(record.timestamp.isNaN && record.summary.statistics.mean.isNaN)
        #expect(record.summary.statistics.zeroCount == nil)
    }

    @Test(arguments: [
        // Not JSON: each must fail as a strict parse fails.
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"mean":NaN}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"mean":Infinity}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"mean":-Infinity}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1,],"counts":[1]}"#,
        #"{"name":"a","step":01,"bin_edges":[0,1],"counts":[1]}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"extra":[1,{"b":tru}]}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"quantiles":{"0.5":1,}}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1]} x"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1]"#,
        "{\"name\":\"a\u{1}\",\"step\":1,\"bin_edges\":[0,1],\"counts\":[1]}",
        #"{"name":"a","step":1,"bin_edges":[0 1],"counts":[1]}"#,
        #"{"name" "a","step":1,"bin_edges":[0,1],"counts":[1]}"#,
        #"{name:"a","step":1,"bin_edges":[0,1],"counts":[1]}"#,
        // JSON, but not a record.
        #"[]"#, #"{}"#, #"{"name":7,"step":1,"bin_edges":[0,1],"counts":[1]}"#,
        #"{"name":"a","step":"1","bin_edges":[0,1],"counts":[1]}"#,
        #"{"name":"a","step":1,"bin_edges":{},"counts":[1]}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[true]}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"total_count":null}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"mean":"1"}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"quantiles":{"0.9":[]}}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"moments":{"count":1.5}}"#,
        #"{"name":"a","step":1e300,"bin_edges":[0,1],"counts":[1]}"#,
        // What the writer refuses: counts below 0 or undefined, edges that do not increase, no
        // bins, negative counts of values.
        #"{"name":"a","step":1,"bin_edges":[0,1,2],"counts":[1,-1]}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[null]}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[-0.5]}"#,
        #"{"name":"a","step":1,"bin_edges":[1,0],"counts":[1]}"#,
        #"{"name":"a","step":1,"bin_edges":[0,null],"counts":[1]}"#,
        #"{"name":"a","step":1,"bin_edges":[0],"counts":[]}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"total_count":-1}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"nan_count":-2}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"zero_count":-1}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"underflow_count":-1}"#,
        #"{"name":"a","step":1,"bin_edges":[0,1],"counts":[1],"moments":{"count":-1}}"#,
    ])
    func rejects(text: String) {
        #expect(throws: HistlogError.self) { try decode(text) }
    }

    /// A complete file with an invalid record, a torn file with a complete but broken line, and
    /// a file that is not JSON: each error names the file and the line.
    @Test func fileErrorsNameTheFileAndLine() throws {
        let good = String(decoding: MLflowJSONRecord.encode(HistogramRecord(key: "k", step: 0, timestamp: 1, summary: sampleSummary())), as: UTF8.self)
        func error(_ text: String) -> String? {
            do {
                _ = try recordsOfFile(Array(text.utf8))
                return nil
            } catch {
                return (error as? HistlogError)?.message
            }
        }
        let invalidRecord = error("[\n\(good)\n,\(good)\n,{\"name\":\"k\",\"step\":\"x\",\"bin_edges\":[0,1],\"counts\":[1]}\n]\n")
        #expect(invalidRecord == "/run/histograms/k.json line 4: record \"k\": \"step\" must be an integer")
        let broken = "[\n\(good)\n,{\"name\":\"k\",\"step\":NaN}\n,\(good)\n,{\"na"
        let nanOffset = broken.utf8.count - broken.utf8.drop { $0 != UInt8(ascii: "N") }.count
        #expect(error(broken) == "/run/histograms/k.json line 3: unexpected character at byte \(nanOffset)")
        #expect(error("{\"a\":\n[1,\n2,,3]}") == "/run/histograms/k.json is not a JSON array of histogram records")
        #expect(error("[\n\(good)\n,\(good)\n,[1,\n2,,3]]") == "/run/histograms/k.json line 5: unexpected character at byte \(2 * good.utf8.count + 12)")
        // A torn tail after complete lines is not an error: the complete records are read.
        #expect(error("[\n\(good)\n,\(good.prefix(40))") == nil)
    }
}
