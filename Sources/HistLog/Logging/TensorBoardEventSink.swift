import Glibc
import Synchronization

/// Writes `<run>/events.out.tfevents.<unix seconds>.<host>.<pid>.<counter>`: a file-version
/// event, then one histogram event per record (`TensorBoardEvent`), each framed as a TFRecord
/// and written with one `write` to a file only this sink appends to — so loggers in different
/// processes never interleave within a file. TensorBoard reads every event file of a directory.
final class TensorBoardEventSink: HistogramSink, @unchecked Sendable {
    private static let fileCounter = Atomic<Int>(0)

    let path: String
    private var file: POSIXFile?

    init(runDirectory: String) throws(HistlogError) {
        let seconds = Int(HistogramLogger.now())
        let host = Self.hostName()
        var file: POSIXFile?
        var path = ""
        while file == nil {
            let counter = Self.fileCounter.add(1, ordering: .relaxed).newValue
            path = "\(runDirectory)/events.out.tfevents.\(seconds).\(host).\(getpid()).\(counter)"
            do {
                file = try POSIXFile(path: path, flags: O_WRONLY | O_CREAT | O_EXCL | O_APPEND)
            } catch {
                // Another logger made this name (same second, a reused pid): take the next counter.
                guard FileKind(path: path) != .missing else { throw error }
            }
        }
        self.path = path
        self.file = file
        try file?.append(TFRecord.frame(TensorBoardEvent.fileVersionEvent(wallTime: HistogramLogger.now())))
    }

    func write(_ record: HistogramRecord) throws {
        guard let file else { throw HistlogError.closed("the TensorBoard event file \(path) is closed") }
        try file.append(TFRecord.frame(TensorBoardEvent.histogramEvent(record)))
    }

    /// Appends an event serialized elsewhere (`HistogramLogger.logTensorBoardEvent`).
    func append(event: [UInt8]) throws {
        guard let file else { throw HistlogError.closed("the TensorBoard event file \(path) is closed") }
        try file.append(TFRecord.frame(event))
    }

    /// Every event is a completed `write`: nothing is buffered in the process.
    func flush() throws {}

    func close() throws {
        file = nil
    }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let safe = name.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", "-", "_": Character(scalar)
            default: "_"
            }
        }
        return safe.isEmpty ? "localhost" : String(safe)
    }
}
