/// Reads the histograms of a run: a snapshot taken when it is opened.
///
/// - A run directory with `histograms/`: every `*.json` file in it (records grouped by their
///   `name`, in file order — for two processes sharing a file, the order their appends took the
///   lock). A torn tail left by a killed writer is skipped; see `JSONArrayFile`.
/// - A TensorBoard event file, or a directory of them without `histograms/`: every histogram
///   (legacy `histo` values and the histograms plugin's k×3 tensors) is imported as a
///   pre-computed histogram, its statistics estimated from the bins. Records are checked with
///   their CRCs; reading a file stops at its first torn or corrupt record. Several event files
///   are merged by wall time (stable, so one file keeps its order).
public final class RunReader: Sendable {
    public let path: String
    private let histories: [KeyBytes: [HistogramRecord]]

    /// Keys compare by their UTF-8 bytes (as in C and Python), not by Swift's canonical
    /// equivalence: "é" and "e\u{301}" are different keys with different files.
    struct KeyBytes: Hashable {
        let utf8: [UInt8]
        init(_ key: String) { utf8 = Array(key.utf8) }

        func isKey(of record: HistogramRecord) -> Bool {
            var key = record.key
            return key.withUTF8 { $0.elementsEqual(utf8) }
        }
    }

    public init(path: String) throws {
        guard !path.isEmpty, !path.utf8.contains(0) else {
            throw HistlogError.invalidArgument("path must be a non-empty path without NUL, got \"\(path)\"")
        }
        self.path = path
        let histories: [KeyBytes: [HistogramRecord]]
        switch FileKind(path: path) {
        case .missing:
            throw HistlogError.notFound("no run at \(path)")
        case .regular:
            guard try TFRecord.fileStartsWithRecord(path) else {
                throw HistlogError.format("\(path) is neither a run directory nor a TensorBoard event file")
            }
            histories = try Self.importEvents(files: [path])
        case .other:
            throw HistlogError.format("\(path) is neither a run directory nor a TensorBoard event file")
        case .directory:
            let histogramDirectory = path + "/histograms"
            if FileKind(path: histogramDirectory) == .directory {
                histories = try Self.readJSON(directory: histogramDirectory)
            } else {
                let events = try directoryEntries(path).filter { $0.contains("tfevents") }.map { path + "/" + $0 }
                guard !events.isEmpty else {
                    throw HistlogError.notFound("\(path) has neither histograms/ nor TensorBoard event files")
                }
                histories = try Self.importEvents(files: events.filter { FileKind(path: $0) == .regular })
            }
        }
        self.histories = histories
        keys = histories.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { String(decoding: $0.utf8, as: UTF8.self) }
    }

    /// Keys in ascending order (by their UTF-8 bytes).
    public let keys: [String]

    /// Every record of `key`, in the order they were logged.
    public func history(key: String) throws -> [HistogramRecord] {
        guard let records = histories[KeyBytes(key)] else { throw HistlogError.notFound("no histograms under key \"\(key)\"") }
        return records
    }

    /// The steps of `key`'s records, in logged order (a step logged twice appears twice).
    public func steps(key: String) throws -> [Int64] {
        try history(key: key).map(\.step)
    }

    /// The last record of `key` logged at `step`.
    public func record(key: String, step: Int64) throws -> HistogramRecord {
        guard let record = try history(key: key).last(where: { $0.step == step }) else {
            throw HistlogError.notFound("key \"\(key)\" has no record at step \(step)")
        }
        return record
    }

    private static func readJSON(directory: String) throws(HistlogError) -> [KeyBytes: [HistogramRecord]] {
        let paths = try directoryEntries(directory).filter { $0.hasSuffix(".json") }.map { directory + "/" + $0 }
        // Files are parsed on every processor; the first error in directory order is reported,
        // as a serial read would.
        let parsed = concurrentMap(paths.count) { index -> Result<[HistogramRecord], HistlogError> in
            Result { () throws(HistlogError) in
                let path = paths[index]
                guard FileKind(path: path) == .regular, let bytes = try POSIXFile.contents(of: path) else { return [] }
                return try bytes.withUnsafeBufferPointer { (buffer) throws(HistlogError) in
                    try JSONArrayFile.records(in: buffer, path: path)
                }
            }
        }
        var histories: [KeyBytes: [HistogramRecord]] = [:]
        for result in parsed {
            let records = try result.get()
            // A file normally holds one key: add its records as runs of equal keys.
            var start = 0
            while start < records.count {
                let key = KeyBytes(records[start].key)
                var end = start + 1
                while end < records.count, key.isKey(of: records[end]) { end += 1 }
                let run = start == 0 && end == records.count ? records : Array(records[start..<end])
                if histories[key] == nil {
                    histories[key] = run
                } else {
                    histories[key]!.append(contentsOf: run)
                }
                start = end
            }
        }
        return histories
    }

    private static func importEvents(files: [String]) throws -> [KeyBytes: [HistogramRecord]] {
        var imported: [TensorBoardEvent.Imported] = []
        for path in files {
            guard let bytes = try POSIXFile.contents(of: path) else { continue }
            var histogramTags = Set<String>()
            for payload in TFRecord.records(in: bytes).payloads {
                do {
                    imported += try TensorBoardEvent.histograms(in: payload, histogramTags: &histogramTags)
                } catch {
                    throw HistlogError.format("\(path): an event passed its checksum but is not a valid Event proto")
                }
            }
        }
        if files.count > 1 {
            imported = imported.enumerated()
                .sorted { ($0.element.wallTime, $0.offset) < ($1.element.wallTime, $1.offset) }
                .map(\.element)
        }
        var histories: [KeyBytes: [HistogramRecord]] = [:]
        for histogram in imported {
            let summary: HistogramSummary
            do {
                summary = try HistogramSummary(edges: histogram.edges, counts: histogram.counts)
            } catch {
                throw HistlogError.format("TensorBoard histogram \"\(histogram.tag)\" step \(histogram.step): \(error)")
            }
            histories[KeyBytes(histogram.tag), default: []].append(
                HistogramRecord(key: histogram.tag, step: histogram.step, timestamp: histogram.wallTime, summary: summary))
        }
        return histories
    }
}
