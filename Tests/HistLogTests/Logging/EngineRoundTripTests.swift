import Foundation
import Testing
@testable import HistLog

/// Summaries from the engine survive the run directory unchanged.
@Suite struct EngineRoundTripTests {
    static let inputs: [(String, [Double])] = [
        ("normal", (0..<1000).map { sin(Double($0) * 12.9898) * 43758.5453 }.map { $0 - $0.rounded(.down) - 0.5 }),
        ("special", [0, -0.0, 1, .nan, .infinity, -.infinity, 2.5, 2.5, -7, 1e-300, 3e300]),
        ("constant", Array(repeating: 4.25, count: 10)),
        ("one", [42]),
        ("empty", []),
        ("only NaN", [.nan, .nan, .infinity]),
    ]

    @Test func rawValuesRoundTripThroughJSON() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let logger = try HistogramLogger(runDirectory: run)
        var expected: [String: HistogramSummary] = [:]
        for (index, (name, values)) in Self.inputs.enumerated() {
            let config = index % 2 == 0 ? BinConfig() : BinConfig(bins: 7, range: (lower: -0.25, upper: 0.25))
            let floats = values.map(Float.init)
            try floats.withUnsafeBufferPointer { try logger.log(key: name + "/f32", step: 1, values: $0, bins: config, timestamp: 2) }
            try values.withUnsafeBufferPointer { try logger.log(key: name + "/f64", step: 1, values: $0, bins: config, timestamp: 2) }
            expected[name + "/f32"] = try HistogramSummary(values: floats, bins: config)
            expected[name + "/f64"] = try HistogramSummary(values: values, bins: config)
        }
        try logger.log(key: "precomputed", step: 3, edges: [0, 0.1, 0.2, 0.5], counts: [10, 0, 25], timestamp: 4)
        expected["precomputed"] = try HistogramSummary(edges: [0, 0.1, 0.2, 0.5], counts: [10, 0, 25])
        try logger.close()

        let reader = try RunReader(path: run)
        #expect(Set(reader.keys) == Set(expected.keys))
        for (key, summary) in expected {
            let record = try reader.record(key: key, step: key == "precomputed" ? 3 : 1)
            #expect(sameRecord(record, HistogramRecord(key: key, step: record.step, timestamp: record.timestamp, summary: Self.asStrictJSON(summary))), "\(key)")
        }
        #expect(try reader.record(key: "precomputed", step: 3).summary.statistics.estimated == [.moments, .quantiles, .outliers, .extremes])
        // Every file is strict JSON: no NaN or Infinity tokens even for NaN-only input.
        for path in jsonFiles(in: run) {
            #expect((try? JSONSerialization.jsonObject(with: Data(fileBytes(path)))) != nil, "\(path)")
        }
    }

    /// JSON has no Infinity: an infinite statistic (a sum of squares that overflowed) is stored
    /// as null and reads back as NaN, like every undefined number.
    static func asStrictJSON(_ summary: HistogramSummary) -> HistogramSummary {
        func strict(_ value: Double) -> Double { value.isFinite ? value : .nan }
        var summary = summary
        var statistics = summary.statistics
        statistics.min = strict(statistics.min)
        statistics.max = strict(statistics.max)
        statistics.sum = strict(statistics.sum)
        statistics.sumOfSquares = strict(statistics.sumOfSquares)
        statistics.mean = strict(statistics.mean)
        statistics.standardDeviation = strict(statistics.standardDeviation)
        statistics.skewness = strict(statistics.skewness)
        statistics.kurtosis = strict(statistics.kurtosis)
        statistics.quantiles = statistics.quantiles.map(strict)
        summary.statistics = statistics
        let moments = summary.moments
        summary.moments = Moments(count: moments.count, mean: strict(moments.mean), m2: strict(moments.m2), m3: strict(moments.m3),
                                  m4: strict(moments.m4), min: strict(moments.min), max: strict(moments.max))
        return summary
    }

    @Test func callerMayReuseItsBufferRightAfterLog() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let logger = try HistogramLogger(runDirectory: run, options: LoggerOptions(tensorBoard: false))
        var buffer = [Float](repeating: 1, count: 100)
        try buffer.withUnsafeBufferPointer { try logger.log(key: "k", step: 0, values: $0, timestamp: 1) }
        for index in buffer.indices { buffer[index] = -5 }
        try logger.close()
        let record = try RunReader(path: run).record(key: "k", step: 0)
        #expect(record.summary.statistics.min == 1 && record.summary.statistics.max == 1)
    }

    @Test func badEdgesAndCountsAreNamedErrors() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let logger = try HistogramLogger(runDirectory: run, options: LoggerOptions(tensorBoard: false))
        try logger.log(key: "k", step: 0, edges: [0, 1], counts: [1], timestamp: 1)
        for (edges, counts) in [([0.0, 1, 2], [1.0]), ([1.0, 0], [1.0]), ([0.0, .nan], [1.0]), ([0.0, 1], [-1.0]), ([0.0], [])] {
            #expect(throws: HistlogError.self) { try logger.log(key: "k", step: 1, edges: edges, counts: counts) }
        }
        let values = [Float](repeating: 1, count: 3)
        #expect(throws: HistlogError.self) {
            try values.withUnsafeBufferPointer { try logger.log(key: "k", step: 1, values: $0, bins: BinConfig(bins: 0)) }
        }
        try logger.close()
        #expect(try RunReader(path: run).steps(key: "k") == [0])
    }
}
