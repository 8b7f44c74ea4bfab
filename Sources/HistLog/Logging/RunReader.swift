import Glibc

/// Reads the histograms of a run, one key at a time: opening it reads no record, and memory is
/// bounded by what one key needs, never by the whole run.
///
/// - A run directory with `histograms/`: every `*.json` file in it (names need not be UTF-8;
///   other names are ignored). Opening reads the name at the head of each file: a file holds the
///   records of one key, in logged order (for two processes sharing a file, the order their
///   appends took the lock); several files may hold one key (read in name order). A key's
///   records are read when asked for, streamed from its files. A torn tail left by a killed
///   writer is skipped (see `JSONRecordReader`); any other damage, and a `*.json` entry that
///   cannot be read as a file (a directory, a symbolic link loop), is an error naming the file.
/// - A TensorBoard event file, or a directory of them without `histograms/`: opening scans the
///   files once and indexes their histograms (legacy `histo` values and the histograms plugin's
///   k×3 tensors) by tag, keeping no bins; a key's records are decoded when asked for, as
///   pre-computed histograms whose statistics are estimated from the bins. Records are checked
///   with their CRCs; reading a file stops at its first torn or corrupt record. Several event
///   files are merged by wall time (stable, so one file keeps its order). A file whose first
///   record is not a TFRecord is not an event file: an error.
///
/// Keys and their files are fixed when the run is opened; a key's records are those on disk
/// when the key is first read (`history`, `steps`, `record`, ...), and stay the same for as long
/// as the reader keeps that key's index: it keeps the last few keys read (`Cache.capacity`), so
/// memory holds a few keys' indexes (a few dozen bytes a record), never the run.
public final class RunReader: Sendable {
    public let path: String
    /// Keys in ascending order (by their UTF-8 bytes).
    public let keys: [String]
    private let source: Source
    /// The indexes of the last keys read, and the last record fetched by position.
    private let cache = Locked(Cache())

    /// Keys compare by their UTF-8 bytes (as in C and Python), not by Swift's canonical
    /// equivalence: "é" and "e\u{301}" are different keys with different files.
    struct KeyBytes: Hashable, Sendable {
        let utf8: [UInt8]
        init(_ key: String) { utf8 = Array(key.utf8) }

        func isKey(of record: HistogramRecord) -> Bool {
            var key = record.key
            return key.withUTF8 { $0.elementsEqual(utf8) }
        }
    }

    /// Where a record lies in the run's files, and what an index needs of it.
    struct RecordEntry: Sendable {
        var step: Int64
        /// JSON: the element's `{...}`; events: the TFRecord's payload.
        var offset: Int
        var length: Int
        var binCount: Int
        var file: Int32
        /// Events: which of the tag's histograms in the event (almost always 0).
        var ordinal: Int32
    }

    /// A key's records in logged order.
    struct KeyIndex: Sendable {
        var entries: [RecordEntry]
    }

    private enum Source: Sendable {
        /// `files[i]` for each file index; a key's files in name order.
        case json(files: [FilePath], keyFiles: [KeyBytes: [Int32]])
        case events(files: [FilePath], indices: [KeyBytes: KeyIndex])
    }

    /// The keys read last, most recent first: each one's index, and its records between
    /// `historySize` and the `history` call that takes them.
    private struct Cache: Sendable {
        static let capacity = 4
        struct Kept: Sendable {
            var key: KeyBytes
            var index: KeyIndex
            var records: [HistogramRecord]?
        }
        var kept: [Kept] = []
        var fetched: (key: KeyBytes, position: Int, record: HistogramRecord)?

        func find(_ key: KeyBytes) -> Kept? { kept.first { $0.key == key } }

        mutating func keep(_ entry: Kept) {
            kept.removeAll { $0.key == entry.key }
            kept.insert(entry, at: 0)
            if kept.count > Self.capacity { kept.removeLast() }
        }

        /// The records kept for `key`, no longer kept.
        mutating func takeRecords(_ key: KeyBytes) -> [HistogramRecord]? {
            guard let position = kept.firstIndex(where: { $0.key == key }) else { return nil }
            defer { kept[position].records = nil }
            return kept[position].records
        }
    }

    public init(path: String) throws {
        guard !path.isEmpty, !path.utf8.contains(0) else {
            throw HistlogError.invalidArgument("path must be a non-empty path without NUL, got \"\(path)\"")
        }
        self.path = path
        let root = FilePath(path)
        let info: stat
        switch root.status() {
        case .success(let found): info = found
        case .failure(let error) where error.code == ENOENT: throw HistlogError.notFound("no run at \(path)")
        case .failure(let error): throw error.error("cannot open run", root)
        }
        if info.isRegularFile {
            source = try Self.indexEvents(files: [root], requireEvents: true)
        } else if !info.isDirectory {
            throw HistlogError.format("\(path) is neither a run directory nor a TensorBoard event file (it is \(info.kindDescription))")
        } else {
            let histograms = root.appending(Array("histograms".utf8))
            switch histograms.status() {
            case .success(let found) where found.isDirectory:
                source = try Self.indexJSON(directory: histograms)
            case .success(let found):
                throw HistlogError.format("\(histograms) is \(found.kindDescription), not a directory of histograms")
            case .failure(let error) where error.code != ENOENT:
                throw error.error("cannot open", histograms)
            case .failure:
                let events = try root.directoryEntries()
                    .filter { $0.firstRange(of: Array("tfevents".utf8)) != nil }
                    .map(root.appending)
                guard !events.isEmpty else {
                    throw HistlogError.notFound("\(path) has neither histograms/ nor TensorBoard event files")
                }
                source = try Self.indexEvents(files: events, requireEvents: false)
            }
        }
        let keyBytes: [KeyBytes] = switch source {
        case .json(_, let keyFiles): Array(keyFiles.keys)
        case .events(_, let indices): Array(indices.keys)
        }
        keys = keyBytes.map(\.utf8).sorted { $0.lexicographicallyPrecedes($1) }.map { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: - Reading a key

    /// Every record of `key`, in the order they were logged.
    public func history(key: String) throws -> [HistogramRecord] {
        if let records = cache.withLock({ $0.takeRecords(KeyBytes(key)) }) { return records }
        var records: [HistogramRecord] = []
        try forEachRecord(key: key) { records.append($0) }
        return records
    }

    /// How many records `key` has and how many bins they have together, for a caller about to
    /// copy the whole history (`hl_reader_history`'s size query): the records are read once,
    /// and kept until the `history(key:)` call that follows takes them.
    public func historySize(key: String) throws -> (records: Int, bins: Int) {
        let keyBytes = KeyBytes(key)
        var records: [HistogramRecord] = []
        let index = try scan(key: key) { record, _ in records.append(record) }
        cache.withLock { $0.keep(.init(key: keyBytes, index: index, records: records)) }
        return (records.count, records.reduce(0) { $0 + $1.summary.histogram.binCount })
    }

    /// Calls `body` with every record of `key` in logged order, holding one at a time.
    public func forEachRecord(key: String, _ body: (HistogramRecord) throws -> Void) throws {
        try scan(key: key) { record, _ in try body(record) }
    }

    /// The steps of `key`'s records, in logged order (a step logged twice appears twice).
    public func steps(key: String) throws -> [Int64] {
        try index(key: key).entries.map(\.step)
    }

    /// How many records `key` has.
    public func recordCount(key: String) throws -> Int {
        try index(key: key).entries.count
    }

    /// The position in `key`'s history of the last record logged at `step`.
    public func position(key: String, step: Int64) throws -> Int {
        guard let position = try index(key: key).entries.lastIndex(where: { $0.step == step }) else {
            throw HistlogError.notFound("key \"\(key)\" has no record at step \(step)")
        }
        return position
    }

    /// The last record of `key` logged at `step`.
    public func record(key: String, step: Int64) throws -> HistogramRecord {
        try record(key: key, at: position(key: key, step: step))
    }

    /// Record `position` of `key`'s history (0 = the first logged).
    public func record(key: String, at position: Int) throws -> HistogramRecord {
        let keyBytes = KeyBytes(key)
        if let fetched = cache.withLock({ $0.fetched }), fetched.key == keyBytes, fetched.position == position {
            return fetched.record
        }
        let entries = try index(key: key).entries
        guard position >= 0, position < entries.count else {
            throw HistlogError.notFound("key \"\(key)\" has no record at index \(UInt(bitPattern: position)): it has \(entries.count)")
        }
        let record = try self.record(entries[position], key: key)
        cache.withLock { $0.fetched = (keyBytes, position, record) }
        return record
    }

    /// The record `entry` locates.
    func record(_ entry: RecordEntry, key: String) throws -> HistogramRecord {
        switch source {
        case .json(let files, _):
            let file = try ReadableFile(files[Int(entry.file)])
            return try JSONRecordReader.record(in: file, offset: entry.offset, length: entry.length)
        case .events(let files, _):
            return try Self.eventRecord(entry, tag: key, in: files[Int(entry.file)])
        }
    }

    /// `key`'s index: the events' index, or the kept index of a JSON key, or a new one read
    /// from the key's files (and kept).
    func index(key: String) throws -> KeyIndex {
        switch source {
        case .events(_, let indices):
            guard let index = indices[KeyBytes(key)] else { throw Self.noKey(key) }
            return index
        case .json:
            if let kept = cache.withLock({ $0.find(KeyBytes(key))?.index }) { return kept }
            return try scan(key: key) { _, _ in }
        }
    }

    /// Every record of `key` in logged order with where it lies; returns the key's index. For a
    /// JSON key with an index kept, reads the records it holds; otherwise keeps the new index.
    @discardableResult
    func scan(key: String, _ body: (HistogramRecord, RecordEntry) throws -> Void) throws -> KeyIndex {
        let keyBytes = KeyBytes(key)
        switch source {
        case .events(let files, let indices):
            guard let index = indices[keyBytes] else { throw Self.noKey(key) }
            for entry in index.entries { try body(try Self.eventRecord(entry, tag: key, in: files[Int(entry.file)]), entry) }
            return index
        case .json(let files, let keyFiles):
            guard let fileIndices = keyFiles[keyBytes] else { throw Self.noKey(key) }
            let kept = cache.withLock { $0.find(keyBytes)?.index }
            var entries: [RecordEntry] = []
            if let kept { entries.reserveCapacity(kept.entries.count) }
            for fileIndex in fileIndices {
                // With a kept index: the same number of records from each file.
                let limit = kept.map { index in index.entries.reduce(0) { $0 + ($1.file == fileIndex ? 1 : 0) } }
                let reader = JSONRecordReader(try ReadableFile(files[Int(fileIndex)]))
                var count = 0
                while count != limit, let element = try reader.next() {
                    guard keyBytes.isKey(of: element.record) else {
                        throw HistlogError.format(
                            "\(files[Int(fileIndex)]): the record at byte \(element.offset) belongs to key \"\(element.record.key)\", "
                                + "but the file holds key \"\(key)\" (one key a file)")
                    }
                    let entry = RecordEntry(
                        step: element.record.step, offset: element.offset, length: element.length,
                        binCount: element.record.summary.histogram.binCount, file: fileIndex, ordinal: 0)
                    if kept == nil { entries.append(entry) }
                    count += 1
                    try body(element.record, entry)
                }
            }
            if let kept { return kept }
            let index = KeyIndex(entries: entries)
            cache.withLock { $0.keep(.init(key: keyBytes, index: index)) }
            return index
        }
    }

    private static func noKey(_ key: String) -> HistlogError {
        .notFound("no histograms under key \"\(key)\"")
    }

    // MARK: - Opening

    /// The key of each `*.json` file: the name of its first record (a file without a complete
    /// record holds no key).
    private static func indexJSON(directory: FilePath) throws -> Source {
        let suffix = Array(".json".utf8)
        let files = try directory.directoryEntries().filter { $0.count > suffix.count && $0.suffix(suffix.count).elementsEqual(suffix) }
            .map(directory.appending)
        var keyFiles: [KeyBytes: [Int32]] = [:]
        for (index, path) in files.enumerated() {
            let reader = JSONRecordReader(try ReadableFile(path), chunk: 1 << 14)
            guard let first = try reader.next() else { continue }
            keyFiles[KeyBytes(first.record.key), default: []].append(Int32(index))
        }
        return .json(files: files, keyFiles: keyFiles)
    }

    /// Scans event files once: every histogram's tag, step and place, merged by wall time.
    /// `requireEvents`: a file that is not a TFRecord file (or is empty) is an error, not a
    /// file without histograms.
    private static func indexEvents(files: [FilePath], requireEvents: Bool) throws -> Source {
        var found: [(tag: KeyBytes, wallTime: Double, entry: RecordEntry)] = []
        for (fileIndex, path) in files.enumerated() {
            let file = try ReadableFile(path)
            let reader = try TFRecordReader(file)
            var histogramTags = Set<String>()
            var records = 0
            while let (offset, payload) = try reader.next() {
                records += 1
                let histograms: [TensorBoardEvent.Imported]
                do {
                    histograms = try TensorBoardEvent.histograms(in: payload[...], histogramTags: &histogramTags)
                } catch {
                    throw HistlogError.format("\(path): the event at byte \(offset) passed its checksum but is not a valid Event proto")
                }
                var ordinals: [String: Int32] = [:]
                for histogram in histograms {
                    let summary = try importedSummary(histogram)
                    let ordinal = ordinals[histogram.tag, default: 0]
                    ordinals[histogram.tag] = ordinal + 1
                    found.append((KeyBytes(histogram.tag), histogram.wallTime, RecordEntry(
                        step: histogram.step, offset: offset, length: payload.count, binCount: summary.histogram.binCount,
                        file: Int32(fileIndex), ordinal: ordinal)))
                }
            }
            let size = try file.size()
            if records == 0, requireEvents || size > 0 {
                throw HistlogError.format(
                    requireEvents ? "\(path) is neither a run directory nor a TensorBoard event file"
                        : "\(path) is not a TensorBoard event file (no valid record at its start)")
            }
        }
        if files.count > 1 {
            found = found.enumerated()
                .sorted { ($0.element.wallTime, $0.offset) < ($1.element.wallTime, $1.offset) }
                .map(\.element)
        }
        var indices: [KeyBytes: KeyIndex] = [:]
        for (tag, _, entry) in found { indices[tag, default: KeyIndex(entries: [])].entries.append(entry) }
        return .events(files: files, indices: indices)
    }

    private static func importedSummary(_ histogram: TensorBoardEvent.Imported) throws -> HistogramSummary {
        do {
            return try HistogramSummary(edges: histogram.edges, counts: histogram.counts)
        } catch {
            throw HistlogError.format("TensorBoard histogram \"\(histogram.tag)\" step \(histogram.step): \(error)")
        }
    }

    /// The histogram `entry` locates in an event file, decoded again.
    private static func eventRecord(_ entry: RecordEntry, tag: String, in path: FilePath) throws -> HistogramRecord {
        let payload = try ReadableFile(path).read(count: entry.length, at: entry.offset)
        var tags: Set<String> = [tag]
        let histograms = (try? TensorBoardEvent.histograms(in: payload[...], histogramTags: &tags))?.filter { $0.tag == tag } ?? []
        guard payload.count == entry.length, Int(entry.ordinal) < histograms.count else {
            throw HistlogError.format("\(path) changed while it was read (the event at byte \(entry.offset))")
        }
        let histogram = histograms[Int(entry.ordinal)]
        return HistogramRecord(key: histogram.tag, step: histogram.step, timestamp: histogram.wallTime, summary: try importedSummary(histogram))
    }
}
