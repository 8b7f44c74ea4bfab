import Glibc

/// Appends each record as one line to `<run>/histograms/<HistogramFileName.forKey(key)>`
/// (see `JSONArrayFile` for the append, rollback and crash protocol). Used from one thread at a
/// time. With `durable`, `flush` fsyncs every file appended to since the last flush, and the
/// directory when files were created in it.
final class JSONHistogramSink: HistogramSink, @unchecked Sendable {
    /// Open files kept at most; beyond it the descriptors are closed and reopened on demand.
    static let openFileLimit = 128

    let directory: String
    let durable: Bool
    /// By file name: keys are compared by their bytes, not by Swift's canonical equivalence.
    private var files: [String: JSONArrayFile] = [:]
    /// Files written since the last flush (durable only).
    private var unsynced: [String: JSONArrayFile] = [:]
    private var directoryUnsynced = false

    /// Creates `<run>/histograms` if missing.
    init(runDirectory: String, durable: Bool = false) throws(HistlogError) {
        directory = runDirectory + "/histograms"
        self.durable = durable
        try makeDirectories(directory)
    }

    func write(_ record: HistogramRecord) throws {
        let name = try HistogramFileName.forKey(record.key)
        let file = try file(named: name)
        if durable { unsynced[name] = file }
        try file.append(MLflowJSONRecord.encode(record))
    }

    private func file(named name: String) throws(HistlogError) -> JSONArrayFile {
        if let file = files[name] { return file }
        if files.count >= Self.openFileLimit {
            defer { files.removeAll(keepingCapacity: true) }
            try syncFiles()  // before their descriptors close
        }
        let file = try JSONArrayFile(path: directory + "/" + name)
        files[name] = file
        return file
    }

    /// Every append is a completed `pwrite` (nothing is buffered in the process); what is left
    /// is the fsync of a durable sink.
    func flush() throws {
        try syncFiles()
        if directoryUnsynced {
            directoryUnsynced = false
            try POSIXFile.syncDirectory(directory)
        }
    }

    /// fsync of every file written since the last call, several at once: concurrent fsyncs
    /// share the file system's journal commits (ext4, xfs), so 64 files cost about one commit
    /// rather than 64 (`make bench-storage`).
    private func syncFiles() throws(HistlogError) {
        let files = Array(unsynced.values)
        unsynced.removeAll(keepingCapacity: true)
        let results = concurrentMap(files.count, waitsOnIO: true) { index in
            Result { () throws(HistlogError) in try files[index].sync() }
        }
        var firstError: HistlogError?
        for result in results {
            switch result {
            case .success(let created): directoryUnsynced = directoryUnsynced || created
            case .failure(let error): firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    func close() throws {
        files.removeAll()
    }
}
