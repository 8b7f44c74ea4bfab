import Glibc

/// Appends each record as one line to `<run>/histograms/<HistogramFileName.forKey(key)>`
/// (see `JSONArrayFile` for the append and crash protocol). Used from one thread at a time.
final class JSONHistogramSink: HistogramSink, @unchecked Sendable {
    /// Open files kept at most; beyond it the descriptors are closed and reopened on demand.
    static let openFileLimit = 128

    let directory: String
    /// By file name: keys are compared by their bytes, not by Swift's canonical equivalence.
    private var files: [String: JSONArrayFile] = [:]

    /// Creates `<run>/histograms` if missing.
    init(runDirectory: String) throws(HistlogError) {
        directory = runDirectory + "/histograms"
        try makeDirectories(directory)
    }

    func write(_ record: HistogramRecord) throws {
        try file(for: record.key).append(MLflowJSONRecord.encode(record))
    }

    private func file(for key: String) throws(HistlogError) -> JSONArrayFile {
        let name = try HistogramFileName.forKey(key)
        if let file = files[name] { return file }
        if files.count >= Self.openFileLimit { files.removeAll(keepingCapacity: true) }
        let file = try JSONArrayFile(path: directory + "/" + name)
        files[name] = file
        return file
    }

    /// Every append is a completed `pwrite`: nothing is buffered in the process.
    func flush() throws {}

    func close() throws {
        files.removeAll()
    }
}
