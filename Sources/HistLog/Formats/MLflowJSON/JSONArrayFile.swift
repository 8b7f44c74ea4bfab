import Glibc

/// A JSON array kept valid after every completed append, with one element per line:
///
///     [
///     {"name":"loss","step":0,...}
///     ,{"name":"loss","step":1,...}
///     ]
///
/// Appending takes an exclusive `flock` (so processes sharing the file append whole lines in
/// turn), checks that the file ends in `\n]\n`, and replaces the closing `]\n` with
/// `,<record>\n]\n` in one `pwrite` — O(1) in the file's length. The comma leads the new line
/// so that the bytes before the overwritten `]` never change: any prefix of an interrupted
/// write leaves every earlier line intact.
///
/// Torn tails (a process killed inside a write, which the kernel may stop between pages):
/// readers skip them (`JSONRecordReader`), and the next append repairs them under the lock by
/// truncating the file after its last complete line. Anything that is not such a tail is left
/// alone and reported as a `format` error, so a foreign file is never truncated.
struct JSONArrayFile {
    static let opening: [UInt8] = Array("[\n".utf8)
    static let closing: [UInt8] = Array("\n]\n".utf8)

    let file: POSIXFile

    init(path: String) throws(HistlogError) {
        file = try POSIXFile(path: path, flags: O_RDWR | O_CREAT)
    }

    /// Appends one element; `line` is one line of JSON without a newline.
    func append(_ line: [UInt8]) throws(HistlogError) {
        try file.withExclusiveLock { () throws(HistlogError) in
            let (offset, hasElements) = try appendPosition()
            var bytes: [UInt8] = []
            bytes.reserveCapacity(line.count + 6)
            if offset == 0 { bytes += Self.opening }
            if hasElements { bytes.append(UInt8(ascii: ",")) }
            bytes += line
            bytes += Self.closing
            try file.write(bytes, at: offset)
        }
    }

    /// Where the next element starts, and whether one precedes it. Repairs a torn tail.
    private func appendPosition() throws(HistlogError) -> (offset: Int, hasElements: Bool) {
        let size = try file.size
        if size == 0 { return (0, false) }
        let tail = try file.read(count: Swift.min(size, 4), at: size - Swift.min(size, 4))
        if tail == Array("[\n]\n".utf8) { return (2, false) }
        if tail.count == 4 && tail[1...] == Self.closing[...] && tail[0] == UInt8(ascii: "}") {
            return (size - 2, true)
        }
        return try repairTornTail(size: size)
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
        if lineEnd - lineStart == 1, try file.read(count: 1, at: lineStart) == [UInt8(ascii: ",")] {
            // A write stopped after its first byte: "," followed by the old newline.
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
