import Foundation
import Testing
@testable import HistLog

/// Histograms given in TensorBoard's form (`add_histogram_raw`) and events serialized elsewhere.
@Suite struct TensorBoardHistogramTests {
    static func given(_ limits: [Double], _ counts: [Double], min: Double = 0, max: Double = 3, num: Double = 6) -> TensorBoardHistogram {
        TensorBoardHistogram(min: min, max: max, num: num, sum: 9, sumSquares: 17, bucketLimits: limits, bucketCounts: counts)
    }

    @Test func bucketsReadAsTensorBoardReadsThem() {
        // Bucket i spans (limit[i - 1], limit[i]]; the first has no left limit, so min is its edge.
        #expect(Self.given([1, 2, 3], [1, 2, 3]).bins() == ([0, 1, 2, 3], [1, 2, 3]))
        // torch's layout: a leading empty bucket whose limit is the first bin's left edge.
        #expect(Self.given([-1, 1, 2, 3], [0, 1, 2, 3], min: -0.5).bins() == ([-1, 1, 2, 3], [1, 2, 3]))
        // Empty buckets at both ends are dropped; an unbounded last limit ends at max.
        #expect(Self.given([0, 1, 2, 3, .greatestFiniteMagnitude], [0, 0, 4, 0, 0]).bins() == ([1, 2], [4]))
        #expect(Self.given([1, 2, .greatestFiniteMagnitude], [0, 2, 5], max: 7).bins() == ([1, 2, 7], [2, 5]))
        // min at (or beyond) the first limit: the bin is widened by 0.5, as numpy widens equal values.
        #expect(Self.given([0, 1, 2], [1, 1, 1], min: 0).bins() == ([-0.5, 0, 1, 2], [1, 1, 1]))
        // Nothing counted: one empty bin from min to max.
        #expect(Self.given([1, 2], [0, 0], min: 0.25, max: 1.5).bins() == ([0.25, 1.5], [0]))
        #expect(Self.given([], [], min: 2, max: 2).bins() == ([1.5, 2.5], [0]))
    }

    @Test func badHistogramsAreRefusedAndNothingIsLogged() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let logger = try HistogramLogger(runDirectory: run)
        let cases: [(TensorBoardHistogram, String)] = [
            (Self.given([1, 2], [1, 2, 3]), "same length"),
            (Self.given([1, 3, 2], [1, 2, 3]), "strictly increasing"),
            (Self.given([1, .nan, 3], [1, 2, 3]), "bucketLimits[1] must be finite"),
            (Self.given([1, 2, .infinity], [1, 2, 3]), "bucketLimits[2] must be finite"),
            (Self.given([1, 2, 3], [1, -2, 3]), "bucketCounts[1]"),
            (Self.given([1, 2, 3], [1, .nan, 3]), "bucketCounts[1]"),
            (Self.given([1, 2, 3], [1, 2, 3], min: .nan), "min must be finite"),
            (Self.given([1, 2, 3], [1, 2, 3], num: .infinity), "num must be finite"),
        ]
        for (histogram, message) in cases {
            #expect {
                try logger.log(key: "k", step: 0, tensorBoardHistogram: histogram)
            } throws: { error in
                guard case .invalidArgument(let text)? = error as? HistlogError else { return false }
                return text.description.contains(message)
            }
        }
        try logger.close()
        #expect(jsonFiles(in: run).isEmpty)
    }

    @Test func eventsMustBeProtobufMessagesAndNeedAnEventFile() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let logger = try HistogramLogger(runDirectory: run)
        #expect(throws: HistlogError.self) { try logger.logTensorBoardEvent([0x0A, 0x7F]) }  // 127 bytes promised
        #expect(throws: HistlogError.self) { try logger.logTensorBoardEvent([0x0F]) }  // wire type 7
        try logger.logTensorBoardEvent([])  // an empty message is one (an Event of defaults)
        try logger.close()
        #expect(throws: HistlogError.self) { try logger.logTensorBoardEvent([0x10, 0x01]) }
        let jsonOnly = try HistogramLogger(runDirectory: run, options: LoggerOptions(tensorBoard: false))
        #expect(throws: HistlogError.self) { try jsonOnly.logTensorBoardEvent([0x10, 0x01]) }
        try jsonOnly.close()
    }

    /// A scalar `Event` as TensorBoard's writers serialize it.
    static func scalarEvent(tag: String, step: Int64, value: Float, wallTime: Double) -> [UInt8] {
        var event = ProtobufWriter()
        event.double(1, wallTime)
        event.int64(2, step)
        event.message(5) { summary in
            summary.message(1) { entry in
                entry.string(1, tag)
                entry.float(2, value)
            }
        }
        return event.bytes
    }

    @Test func givenHistogramsAndEventsReachTensorBoardAsGivenInOneFile() throws {
        guard let python = TensorBoardReaderTests.python() else { return }
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let logger = try HistogramLogger(runDirectory: run)
        let given = [
            Self.given([1, 2, 3], [1, 2, 3], min: 0.5, max: 2.5, num: 99),
            Self.given([-1, 1, 2, 3], [0, 1, 2, 3], min: -0.5),
            Self.given([], [], num: 0),
        ]
        for (step, histogram) in given.enumerated() {
            try logger.logTensorBoardEvent(Self.scalarEvent(tag: "loss", step: Int64(step), value: Float(step) / 4, wallTime: 50 + Double(step)))
            try logger.log(key: "raw", step: Int64(step), tensorBoardHistogram: histogram, timestamp: 100 + Double(step))
        }
        try logger.close()

        let events = try FileManager.default.contentsOfDirectory(atPath: run).filter { $0.hasPrefix("events.out.tfevents") }
        #expect(events.count == 1)
        let seen = try TensorBoardReaderTests.readWithTensorBoard(run, python: python)
        let tag = try #require(seen["raw"])
        #expect(tag.plugin && tag.events.count == given.count)
        for (event, histogram) in zip(tag.events, given) {
            #expect(event.bucket_limit == histogram.bucketLimits && event.bucket == histogram.bucketCounts)
            #expect(event.min == histogram.min && event.max == histogram.max && event.num == histogram.num)
            #expect(event.sum == histogram.sum && event.sum_squares == histogram.sumSquares)
        }
        // The JSON file has what the buckets say, whatever num says.
        let history = try RunReader(path: run).history(key: "raw")
        #expect(history.map(\.step) == [0, 1, 2])
        for (record, histogram) in zip(history, given) {
            let (edges, counts) = histogram.bins()
            #expect(record.summary.histogram.edges == edges && record.summary.histogram.counts == counts)
            #expect(record.summary.statistics.totalCount == Int(histogram.bucketCounts.reduce(0, +)))
            #expect(record.summary.statistics.estimated.contains(.moments))
        }

        let scalars = try Self.scalarsSeenByTensorBoard(run, python: python)
        #expect(scalars == [[0, 0], [1, 0.25], [2, 0.5]])
    }

    static func scalarsSeenByTensorBoard(_ run: String, python: String) throws -> [[Double]] {
        let script = """
        import json, sys
        from tensorboard.backend.event_processing import event_accumulator
        accumulator = event_accumulator.EventAccumulator(sys.argv[1])
        accumulator.Reload()
        print(json.dumps([[event.step, event.value] for event in accumulator.Scalars("loss")]))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, run]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONDecoder().decode([[Double]].self, from: data)
    }
}

@Suite struct RecordObserverTests {
    final class Seen: @unchecked Sendable {
        let lock = NSLock()
        var records: [HistogramRecord] = []
        var onLoggingThread = true
    }

    @Test func observerSeesEveryLoggedRecordOnTheLoggingThread() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let logger = try HistogramLogger(runDirectory: run)
        let seen = Seen()
        let values: [Double] = [3, 1, 4, 1, 5, 9, 2, 6]
        try values.withUnsafeBufferPointer { try logger.log(key: "unobserved", step: 0, values: $0) }
        let loggingThread = pthread_self()
        logger.observeRecords { record in
            seen.lock.withLock {
                seen.records.append(record)
                seen.onLoggingThread = seen.onLoggingThread && pthread_equal(pthread_self(), loggingThread) != 0
            }
        }
        try values.withUnsafeBufferPointer { try logger.log(key: "values", step: 1, values: $0, bins: BinConfig(bins: 4)) }
        try logger.log(key: "counts", step: 2, edges: [0, 1, 2], counts: [3, 4])
        try logger.log(key: "raw", step: 3, tensorBoardHistogram: TensorBoardHistogramTests.given([1, 2], [2, 2]))
        #expect(throws: HistlogError.self) { try logger.log(key: "counts", step: 4, edges: [0, 1], counts: [-1]) }
        logger.observeRecords(nil)
        try values.withUnsafeBufferPointer { try logger.log(key: "after", step: 5, values: $0) }
        try logger.close()

        #expect(seen.records.map(\.key) == ["values", "counts", "raw"])
        #expect(seen.onLoggingThread)
        let reader = try RunReader(path: run)
        for record in seen.records {
            #expect(sameRecord(record, try reader.record(key: record.key, step: record.step)))
        }
        #expect(seen.records[2].tensorBoard == TensorBoardHistogramTests.given([1, 2], [2, 2]))
    }
}
