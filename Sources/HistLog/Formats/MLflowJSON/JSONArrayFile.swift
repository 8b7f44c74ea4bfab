import Glibc

/// A JSON array kept valid after every completed append, with one element per line:
///
///     [
///     {"name":"loss","step":0,...}
///     ,{"name":"loss","step":1,...}
///     ]
///
/// A new file appears already holding the empty array `[\n]\n` (`POSIXFile.create`). Appending
/// takes an exclusive `flock` (so processes sharing the file append whole lines in turn), checks
/// that the file ends in `\n]\n`, and replaces the closing `]\n` with `,<record>\n]\n` in one
/// `pwrite` — O(1) in the file's length. The comma leads the new line so that the bytes before
/// the overwritten `]` never change: any prefix of an interrupted write leaves every earlier
/// line intact.
///
/// A write that fails (a full disk, a file-size limit) is rolled back before the lock is
/// released: the file is truncated to its length before the append and its closing `]\n`
/// restored, so it is a valid JSON array again and the next append starts from there.
///
/// Torn tails (a process killed inside a write, which the kernel may stop between pages):
/// readers skip them (`JSONRecordReader`), and the next append repairs them under the lock by
/// truncating the file after its last complete line. Anything that is not such a tail is left
/// alone and reported as a `format` error, so a foreign file is never truncated.
///
/// A file deleted while open (alone, or with its directory) is noticed at the next append,
/// which then opens the path again: a new file, or an error naming it when the directory is gone.
final class JSONArrayFile {
    static let opening: [UInt8] = Array("[\n".utf8)
    static let closing: [UInt8] = Array("\n]\n".utf8)
    static let emptyArray: [UInt8] = Array("[\n]\n".utf8)

    let path: String
    private(set) var file: POSIXFile
    /// Appended to since the last `sync()`.
    private var dataUnsynced = false
    /// Created (its name added to the directory) since the last `sync()`.
    private var nameUnsynced: Bool

    /// Opens the file at `path`, creating it as an empty array if missing.
    init(path: String) throws(HistlogError) {
        self.path = path
        (file, nameUnsynced) = try Self.open(path)
    }

    private static func open(_ path: String) throws(HistlogError) -> (file: POSIXFile, created: Bool) {
        do {
            return (try POSIXFile(path: path, flags: O_RDWR), false)
        } catch {
            guard error.errno == ENOENT else { throw error }
        }
        let created = try POSIXFile.create(path, contents: emptyArray)
        return (try POSIXFile(path: path, flags: O_RDWR), created)
    }

    /// Appends one element; `line` is one line of JSON without a newline.
    func append(_ line: [UInt8]) throws(HistlogError) {
        if try appendUnlessDeleted(line) { return }
        (file, nameUnsynced) = try Self.open(path)
        guard try appendUnlessDeleted(line) else { throw .io("\(path) was deleted while appending to it", errno: ENOENT) }
    }

    /// `fsync` of what was appended since the last call. Returns whether the file was created
    /// since, so that its directory needs an `fsync` too.
    func sync() throws(HistlogError) -> Bool {
        let created = nameUnsynced
        if dataUnsynced || created {
            dataUnsynced = false
            nameUnsynced = false
            try file.sync()
        }
        return created
    }

    /// False, writing nothing, when the open file has no name left.
    private func appendUnlessDeleted(_ line: [UInt8]) throws(HistlogError) -> Bool {
        try file.withExclusiveLock { () throws(HistlogError) -> Bool in
            let (size, isDeleted) = try file.status()
            if isDeleted { return false }
            let (offset, hasElements, end) = try appendPosition(size: size)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(line.count + 6)
            if offset == 0 { bytes += Self.opening }
            if hasElements { bytes.append(UInt8(ascii: ",")) }
            bytes += line
            bytes += Self.closing
            dataUnsynced = true
            try write(bytes, at: offset, replacingUpTo: end)
            return true
        }
    }

    /// Writes `bytes` at `offset`, over the file's last `end - offset` bytes (its closing
    /// `]\n`, or nothing); if that fails, puts the file back as it was.
    private func write(_ bytes: [UInt8], at offset: Int, replacingUpTo end: Int) throws(HistlogError) {
        var written = 0
        do {
            try file.write(bytes, at: offset, written: &written)
        } catch {
            guard written > 0 else { throw error }
            do {
                try file.truncate(to: end)
                try file.write(Array(Self.closing.suffix(end - offset).prefix(written)), at: offset)
            } catch let rollback {
                throw error.withMessage { "\($0); restoring the file's end failed too (\(rollback.message)): the next append repairs it" }
            }
            throw error
        }
    }

    /// Where the next element starts, whether one precedes it, and the file's length (after
    /// repairing a torn tail).
    private func appendPosition(size: Int) throws(HistlogError) -> (offset: Int, hasElements: Bool, end: Int) {
        if size == 0 { return (0, false, 0) }
        let tail = try file.read(count: Swift.min(size, 4), at: size - Swift.min(size, 4))
        if tail == Self.emptyArray { return (2, false, size) }
        if tail.count == 4 && tail[1...] == Self.closing[...] && tail[0] == UInt8(ascii: "}") {
            return (size - 2, true, size)
        }
        let (offset, hasElements) = try repairTornTail(size: size)
        return (offset, hasElements, offset)
    }

    /// Truncates the file after its last complete line, if what follows is a torn write.
    private func repairTornTail(size: Int) throws(HistlogError) -> (offset: Int, hasElements: Bool) {
        func unexpected() -> HistlogError {
            .format("\(file.path) does not end like a histlog JSON array (not appending, to avoid damaging it)")
        }
        guard let lastNewline = try lastNewline(before: size) else {
            // No complete line: only the start of a first write ("[") may be here.
            guard size == 1, try file.read(count: 1, at: 0) == [UInt8(ascii: "[")] else { throw unexpected() }
            try file.truncate(to: 0)
            return (0, false)
        }
        // Bytes after the last newline are a fragment of an interrupted write: no newline in them.
        var lineEnd = lastNewline
        var lineStart = (try self.lastNewline(before: lineEnd)).map { $0 + 1 } ?? 0
        if lineEnd - lineStart == 1, [Array(",".utf8), Array("{".utf8)].contains(try file.read(count: 1, at: lineStart)) {
            // A write stopped after its first byte ("," or a first element's "{") followed by
            // the old newline.
            guard lineStart > 0 else { throw unexpected() }
            lineEnd = lineStart - 1
            lineStart = (try self.lastNewline(before: lineEnd)).map { $0 + 1 } ?? 0
        }
        let hasElements: Bool
        if lineEnd - lineStart == 1, try file.read(count: 1, at: lineStart) == [UInt8(ascii: "[")], lineStart == 0 {
            hasElements = false
        } else if try isCompleteElementLine(start: lineStart, end: lineEnd) {
            hasElements = true
        } else {
            throw unexpected()
        }
        try file.truncate(to: lineEnd + 1)
        return (lineEnd + 1, hasElements)
    }

    /// `{...}` or `,{...}`: a line our writer finished (it ends with the object's brace).
    private func isCompleteElementLine(start: Int, end: Int) throws(HistlogError) -> Bool {
        guard end - start >= 2 else { return false }
        let head = try file.read(count: 2, at: start)
        let last = try file.read(count: 1, at: end - 1)
        let opensObject = head[0] == UInt8(ascii: "{") || (head == Array(",{".utf8) && end - start >= 3)
        return opensObject && last == [UInt8(ascii: "}")]
    }

    /// Offset of the last `\n` strictly before `end`, reading backwards in chunks.
    private func lastNewline(before end: Int) throws(HistlogError) -> Int? {
        var chunkEnd = end
        while chunkEnd > 0 {
            let chunkStart = Swift.max(0, chunkEnd - 65_536)
            let chunk = try file.read(count: chunkEnd - chunkStart, at: chunkStart)
            if let index = chunk.lastIndex(of: UInt8(ascii: "\n")) { return chunkStart + index }
            chunkEnd = chunkStart
        }
        return nil
    }
}
