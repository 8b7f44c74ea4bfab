import Glibc
import Synchronization

/// Writes `<run>/events.out.tfevents.<unix seconds>.<host>.<pid>.<counter>`: a file-version
/// event, then one histogram event per record (`TensorBoardEvent`), each framed as a TFRecord
/// and written with one `write` to a file only this sink appends to — so loggers in different
/// processes never interleave within a file. TensorBoard reads every event file of a directory.
///
/// A write that fails (a full disk) is rolled back by truncating the file to its length before
/// it, so no partial record stays in the middle of the file (TensorBoard stops reading at one),
/// and later records land whole after the earlier ones. If the file is deleted (alone or with
/// the run directory), the next record starts a new event file — or fails, naming it.
/// With `durable`, `flush` fsyncs the file, and the run directory after creating a file in it.
final class TensorBoardEventSink: HistogramSink, @unchecked Sendable {
    private static let fileCounter = Atomic<Int>(0)

    let runDirectory: String
    let durable: Bool
    private(set) var path: String
    private var file: POSIXFile?
    /// The file's length after its last complete record.
    private var length: Int
    private var dataUnsynced = false
    private var nameUnsynced = true

    init(runDirectory: String, durable: Bool) throws(HistlogError) {
        self.runDirectory = runDirectory
        self.durable = durable
        (path, file, length) = try Self.createEventFile(in: runDirectory)
    }

    /// A new event file holding its file-version event, with its path and length.
    private static func createEventFile(in runDirectory: String) throws(HistlogError) -> (String, POSIXFile, Int) {
        let seconds = Int(HistogramLogger.now())
        let host = hostName()
        while true {
            let counter = fileCounter.add(1, ordering: .relaxed).newValue
            let path = "\(runDirectory)/events.out.tfevents.\(seconds).\(host).\(getpid()).\(counter)"
            let file: POSIXFile
            do {
                file = try POSIXFile(path: path, flags: O_WRONLY | O_CREAT | O_EXCL | O_APPEND)
            } catch {
                // Another logger made this name (same second, a reused pid): take the next counter.
                guard error.errno == EEXIST else { throw error }
                continue
            }
            let header = TFRecord.frame(TensorBoardEvent.fileVersionEvent(wallTime: HistogramLogger.now()))
            do {
                try file.append(header)
            } catch {
                unlink(path)
                throw error
            }
            return (path, file, header.count)
        }
    }

    func write(_ record: HistogramRecord) throws {
        try append(event: TensorBoardEvent.histogramEvent(record))
    }

    /// Appends one serialized event as a TFRecord: whole, or not at all (rolled back).
    func append(event: [UInt8]) throws(HistlogError) {
        guard var file else { throw .closed("the TensorBoard event file \(path) is closed") }
        let bytes = TFRecord.frame(event)
        var (size, isDeleted) = try file.status()
        if isDeleted {
            (path, file, length) = try Self.createEventFile(in: runDirectory)
            self.file = file
            nameUnsynced = true
            size = length
        }
        if size > length {
            try file.truncate(to: length)  // what a failed rollback left
        } else {
            length = size
        }
        do {
            try file.append(bytes)
        } catch {
            do {
                try file.truncate(to: length)
            } catch let rollback {
                throw error.withMessage { "\($0); removing the partial record failed too (\(rollback.message)): the next write retries" }
            }
            throw error
        }
        length += bytes.count
        dataUnsynced = true
    }

    /// Every event is a completed `write` (nothing is buffered in the process); what is left
    /// is the fsync of a durable sink.
    func flush() throws {
        guard durable, let file else { return }
        if dataUnsynced || nameUnsynced {
            dataUnsynced = false
            try file.sync()
        }
        if nameUnsynced {
            nameUnsynced = false
            try POSIXFile.syncDirectory(runDirectory)
        }
    }

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
