import Foundation
import Testing
@testable import HistLog

@Suite struct TensorBoardFormatTests {
    @Test func crc32cMatchesKnownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    }

    /// Eight bytes a step must agree with the bit-by-bit definition at every length and offset,
    /// and for sequences without contiguous storage.
    @Test func crc32cAgreesWithTheBitwiseDefinition() {
        func bitwise(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return ~crc
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<9 {
            for end in stride(from: start, through: bytes.count, by: 7) {
                let expected = bitwise(Array(bytes[start..<end]))
                #expect(CRC32C.checksum(bytes[start..<end]) == expected)
                #expect(CRC32C.checksum(bytes[start..<end].lazy.map { $0 }) == expected)
            }
        }
    }

    @Test func varintsAndFieldsRoundTrip() throws {
        for value: UInt64 in [0, 1, 127, 128, 300, 1 << 35, .max] {
            var writer = ProtobufWriter()
            writer.varint(value)
            var reader = ProtobufReader(writer.bytes[...])
            #expect(try reader.varint() == value)
        }
        var writer = ProtobufWriter()
        writer.int64(2, -5)
        writer.double(1, 0.25)
        #expect(writer.bytes[0] == 0x10)  // field 2, varint
        var reader = ProtobufReader(writer.bytes[...])
        let first = try #require(try reader.nextField())
        let stepValue = Int64(bitPattern: try reader.varint())
        #expect(first.field == 2 && stepValue == -5)
        let second = try #require(try reader.nextField())
        let wallTime = Double(bitPattern: try reader.fixed64())
        #expect(second.field == 1 && wallTime == 0.25)
        #expect(try reader.nextField() == nil)
    }

    /// The payloads a `TFRecordReader` reads from a file holding `bytes`.
    func records(in bytes: [UInt8]) throws -> (payloads: [[UInt8]], damaged: Bool) {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/events"))
        let reader = try TFRecordReader(try ReadableFile(FilePath(directory + "/events")))
        var payloads: [[UInt8]] = []
        while let (_, payload) = try reader.next() { payloads.append(payload) }
        return (payloads, reader.damaged)
    }

    @Test func tfRecordsStopAtATornOrCorruptTail() throws {
        let payloads: [[UInt8]] = [Array("first".utf8), [], Array(repeating: 7, count: 300)]
        let file = payloads.flatMap(TFRecord.frame)
        let complete = try records(in: file)
        #expect(complete.payloads == payloads && !complete.damaged)
        let firstTwo = TFRecord.frame(payloads[0]).count + TFRecord.frame(payloads[1]).count
        for cut in firstTwo..<file.count {
            let torn = try records(in: Array(file.prefix(cut)))
            #expect(torn.payloads == Array(payloads.prefix(2)))
            #expect(torn.damaged == (cut > firstTwo))
        }
        var corrupt = file
        corrupt[firstTwo + 20] ^= 1
        #expect(try records(in: corrupt).payloads.count == 2)
        // A length field of 2^60 whose own checksum is right: nothing is allocated or read.
        var lying: [UInt8] = []
        TFRecord.appendLittleEndian(UInt64(1) << 60, to: &lying)
        TFRecord.appendLittleEndian(CRC32C.masked(lying), to: &lying)
        lying += Array(repeating: 0, count: 64)
        let read = try records(in: TFRecord.frame(payloads[0]) + lying)
        #expect(read.payloads == [payloads[0]] && read.damaged)
    }

    @Test func legacyBucketsReadBackAsOurBins() throws {
        let summary = sampleSummary(bins: 6)
        let event = TensorBoardEvent.histogramEvent(HistogramRecord(key: "w", step: 3, timestamp: 5.5, summary: summary))
        var tags = Set<String>()
        let imported = try TensorBoardEvent.histograms(in: event[...], histogramTags: &tags)
        #expect(imported.count == 1 && tags == ["w"])
        let histogram = try #require(imported.first)
        #expect(histogram.tag == "w" && histogram.step == 3 && histogram.wallTime == 5.5)
        // Underflow becomes a bin from min to the first edge; overflow one from the last edge to max.
        let edges = summary.histogram.edges
        #expect(histogram.edges == [summary.statistics.min] + edges + [summary.statistics.max])
        #expect(histogram.counts == [1] + summary.histogram.counts + [2])
    }
}

/// The event files open in TensorBoard's own reader (`Support/read_tensorboard.py`).
@Suite struct TensorBoardReaderTests {
    /// The Python with tensorboard installed (`make test` sets it to the repository's .venv).
    static func python() -> String? {
        if let path = ProcessInfo.processInfo.environment["HISTLOG_PYTHON"], !path.isEmpty { return path }
        if ProcessInfo.processInfo.environment["HISTLOG_SKIP_PYTHON"] == "1" { return nil }
        Issue.record("HISTLOG_PYTHON is not set: point it at a Python with tensorboard installed (make test does), or set HISTLOG_SKIP_PYTHON=1 to skip this check")
        return nil
    }

    struct Tag: Decodable {
        var events: [Event]
        var plugin: Bool
    }

    struct Event: Decodable {
        var step: Int64
        var rendered_step: Int64
        var wall_time, min, max, num, sum, sum_squares: Double
        var bucket_limit, bucket: [Double]
        var rendered: [[Double]]
    }

    /// Decoded with JSONDecoder: on Linux, JSONSerialization rounds some doubles in their last bits.
    static func readWithTensorBoard(_ path: String, python: String) throws -> [String: Tag] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/read_tensorboard.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Issue.record("read_tensorboard.py failed: \(message)")
            return [:]
        }
        return try JSONDecoder().decode([String: Tag].self, from: data)
    }

    /// Bins over [min, max] as numpy makes them: first and last bin non-empty.
    static func defaultBinned(seed: Double) -> HistogramSummary {
        var summary = sampleSummary(bins: 5, seed: seed)
        summary.histogram.underflow = 0
        summary.histogram.overflow = 0
        summary.statistics.min = summary.histogram.edges.first!
        summary.statistics.max = summary.histogram.edges.last!
        return summary
    }

    @Test func tensorBoardShowsOurHistogramsUnderTheirKeysAndSteps() throws {
        guard let python = Self.python() else { return }
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let logger = try HistogramLogger(runDirectory: run, options: LoggerOptions(json: false))
        var logged: [HistogramRecord] = []
        for step in 0..<5 {
            let plain = HistogramRecord(key: "weights/layer1", step: Int64(step * 10), timestamp: 1_763_900_000.125 + Double(step), summary: Self.defaultBinned(seed: Double(step)))
            let ranged = HistogramRecord(key: "Gradients/ünï code", step: Int64(step), timestamp: 1_763_900_000.5 + Double(step), summary: sampleSummary(bins: 3, seed: Double(step)))
            logged += [plain, ranged]
        }
        var empty = sampleSummary(bins: 1)
        empty.histogram = Histogram(edges: [0, 1], counts: [0])
        empty.statistics.totalCount = 0
        logged.append(HistogramRecord(key: "empty", step: 0, timestamp: 1_763_900_000, summary: empty))
        for record in logged { try logger.log(key: record.key, step: record.step, summary: record.summary, timestamp: record.timestamp) }
        try logger.close()

        let seen = try Self.readWithTensorBoard(run, python: python)
        #expect(Set(seen.keys) == Set(logged.map(\.key)))
        for key in Set(logged.map(\.key)) {
            let expected = logged.filter { $0.key == key }
            let tag = try #require(seen[key])
            #expect(tag.plugin, "\(key) is not under the histograms plugin")
            #expect(tag.events.count == expected.count)
            for (event, record) in zip(tag.events, expected) {
                let statistics = record.summary.statistics
                let histogram = record.summary.histogram
                let isEmpty = statistics.totalCount == 0
                #expect(event.step == record.step && event.rendered_step == record.step)
                #expect(event.wall_time == record.timestamp)
                #expect(event.num == Double(statistics.totalCount))
                #expect(event.min == (isEmpty ? 0 : statistics.min))
                #expect(event.max == (isEmpty ? 0 : statistics.max))
                #expect(event.sum == (isEmpty ? 0 : statistics.sum))
                #expect(event.sum_squares == (isEmpty ? 0 : statistics.sumOfSquares))
                let (limits, counts) = TensorBoardEvent.buckets(of: histogram)
                #expect(event.bucket_limit == limits)
                #expect(event.bucket == counts)
                // What the HISTOGRAMS and DISTRIBUTIONS dashboards draw (float32 rows).
                var rows: [[Double]] = []
                if histogram.underflow > 0 { rows.append([statistics.min, histogram.edges[0], Double(histogram.underflow)]) }
                for index in histogram.counts.indices { rows.append([histogram.edges[index], histogram.edges[index + 1], histogram.counts[index]]) }
                if histogram.overflow > 0 { rows.append([histogram.edges.last!, statistics.max, Double(histogram.overflow)]) }
                if isEmpty { rows = [] }
                let float32Rows = rows.map { $0.map { Double(Float($0)) } }
                #expect(event.rendered == float32Rows, "\(key) step \(record.step)")
            }
        }
    }

    /// Event files written by TensorBoard's own writer: the legacy form as torch lays it out
    /// (`torch.utils.tensorboard.summary.make_histogram`: a leading empty bucket, trimmed to
    /// the non-empty bins), a raw legacy histogram, and the plugin's k×3 tensor form.
    @Test func ourReaderImportsTensorBoardWrittenEventFiles() throws {
        guard let python = Self.python() else { return }
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let script = """
        import sys, numpy as np
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import Summary
        from tensorboard.compat.proto.histogram_pb2 import HistogramProto
        from tensorboard.plugins.histogram import summary as histogram_summary

        def torch_like(values, bins):
            counts, limits = np.histogram(values, bins=bins)
            nonzero = np.nonzero(counts)[0]
            start, end = int(nonzero[0]), int(nonzero[-1]) + 1
            counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
            limits = limits[start:end + 1]
            return HistogramProto(min=values.min(), max=values.max(), num=len(values), sum=values.sum(),
                                  sum_squares=values.dot(values), bucket_limit=limits.tolist(), bucket=counts.tolist())

        writer = EventFileWriter(sys.argv[1])
        rng = np.random.default_rng(0)
        for step in range(3):
            values = rng.uniform(0.2, 0.7, size=500)
            histo = torch_like(values, np.linspace(0, 1, 11))
            writer.add_event(Event(wall_time=100.0 + step, step=step, summary=Summary(value=[Summary.Value(tag="legacy/torch", histo=histo)])))
        raw = HistogramProto(min=0.0, max=3.0, num=6, sum=9.0, sum_squares=17.0, bucket_limit=[1.0, 2.0, 3.0], bucket=[1, 2, 3])
        writer.add_event(Event(wall_time=200.0, step=7, summary=Summary(value=[Summary.Value(tag="legacy/raw", histo=raw)])))
        for step in range(2):
            tensor = histogram_summary.histogram_pb("plugin/tensor", np.array([0.5, 1.5, 1.5, 2.5]), 3)
            writer.add_event(Event(wall_time=300.0 + step, step=10 + step, summary=tensor))
        writer.close()
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, run]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "writing the event file with tensorboard failed")

        let reader = try RunReader(path: run)
        #expect(reader.keys == ["legacy/raw", "legacy/torch", "plugin/tensor"])
        #expect(try reader.steps(key: "legacy/torch") == [0, 1, 2])
        for record in try reader.history(key: "legacy/torch") {
            // Trimmed to the non-empty bins; edges exactly numpy's, all 500 values.
            #expect(record.summary.histogram.counts.reduce(0, +) == 500)
            #expect(record.summary.histogram.edges == [0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001])
            #expect(record.summary.statistics.estimated.contains(.quantiles))
        }
        let raw = try reader.record(key: "legacy/raw", step: 7)
        #expect(raw.summary.histogram.edges == [0, 1, 2, 3] && raw.summary.histogram.counts == [1, 2, 3])
        #expect(raw.timestamp == 200)
        #expect(try reader.steps(key: "plugin/tensor") == [10, 11])
        let tensor = try reader.record(key: "plugin/tensor", step: 11)
        #expect(tensor.summary.histogram.edges == [0.5, 0.5 + 2.0 / 3, 0.5 + 4.0 / 3, 2.5])
        #expect(tensor.summary.histogram.counts == [1, 2, 1])
        // The file alone opens too.
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: run).first)
        #expect(try RunReader(path: run + "/" + file).keys == reader.keys)
    }
}
