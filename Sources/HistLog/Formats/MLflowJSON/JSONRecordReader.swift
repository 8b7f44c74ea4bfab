/// Reads the records of one `histograms/*.json` file front to back, holding one chunk of the file
/// (or one element, when an element is longer), never the whole file: memory does not grow with
/// the number of records.
///
/// Any JSON array of record objects is read (histlog's one-line-per-record layout, seed 000's
/// pretty-printed arrays, one long line). A torn tail left by a killed writer is skipped, as
/// `JSONArrayFile` describes: when the array does not end properly, a file laid out as histlog
/// writes it (`[` alone on its first line) keeps every record whose line is complete, provided
/// the damage lies in its last line (a `,` line before it is the start of the interrupted
/// write). Anything else is a `format` error naming the file, the line and the byte offset.
final class JSONRecordReader {
    struct Element {
        var record: HistogramRecord
        /// Byte range of the element's `{...}` in the file.
        var offset: Int
        var length: Int
    }

    let path: FilePath
    private let window: FileWindow
    private enum State { case start, firstElement, separator, closed, finished }
    private var state = State.start
    /// File offset of the `[` or `,` before the next element (or of the `]`).
    private var separatorOffset = 0
    private var previousName: String?
    private var binCount = 0

    /// `chunk`: bytes read at a time (the window grows for a longer element).
    init(_ file: ReadableFile, chunk: Int = FileWindow.chunk) {
        path = file.path
        window = FileWindow(file, capacity: chunk)
    }

    /// The next record, or nil after the last one.
    func next() throws(HistlogError) -> Element? {
        while true {
            skipWhitespace()
            guard let byte = window.bytes.first else {
                if !window.atEnd {
                    try window.readMore()
                    continue
                }
                switch state {
                case .start, .finished, .closed:
                    state = .finished
                    return nil
                case .firstElement, .separator:
                    return try tornTail(pending: nil, failure: .init(offset: window.offset, reason: "unexpected end of input"))
                }
            }
            switch state {
            case .finished:
                return nil
            case .start:
                guard byte == UInt8(ascii: "[") else { throw .format("\(path) is not a JSON array of histogram records") }
                separatorOffset = window.offset
                window.consume(1)
                state = .firstElement
            case .closed:
                return try tornTail(pending: nil, failure: .init(offset: window.offset, reason: "unexpected text after the array"))
            case .firstElement, .separator:
                if byte == UInt8(ascii: "]") {
                    separatorOffset = window.offset
                    window.consume(1)
                    state = .closed
                    continue
                }
                if state == .separator {
                    guard byte == UInt8(ascii: ",") else {
                        return try tornTail(pending: nil, failure: .init(offset: window.offset, reason: "expected ',' or ']'"))
                    }
                    separatorOffset = window.offset
                    window.consume(1)
                    state = .firstElement
                    continue
                }
                if let element = try element() { return element }
            }
        }
    }

    private func skipWhitespace() {
        let bytes = window.bytes
        var index = 0
        while index < bytes.count, case let byte = bytes[index], byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            index += 1
        }
        window.consume(index)
    }

    /// Parses the element at the window's start and the separator after it: the element, or nil
    /// to go on (more bytes were read), or what `tornTail` decides.
    private func element() throws(HistlogError) -> Element? {
        let bytes = window.bytes
        let offset = window.offset
        var parser = JSONParser(bytes: bytes)
        parser.previousName = previousName
        let parsed: JSONParser.Record
        do {
            parsed = try parser.parseRecord(depth: 1, capacity: binCount)
        } catch {
            // Near the window's end the element may just continue in the next chunk.
            if !window.atEnd && error.offset + 8 >= bytes.count {
                try window.readMore()
                return nil
            }
            return try tornTail(pending: nil, failure: .init(offset: offset + error.offset, reason: error.reason))
        }
        let record: HistogramRecord
        switch parsed {
        case .success(let value): record = value
        case .failure where !window.atEnd && parser.position == bytes.count:
            // A number or literal that ends with the window may go on in the next chunk.
            try window.readMore()
            return nil
        case .failure(let error): throw try located(error.message, at: offset)
        }
        let element = Element(record: record, offset: offset, length: parser.position)
        // The element counts once the separator after it is seen: a torn tail may end in a
        // complete object whose line is not complete.
        parser.skipWhitespace()
        switch parser.current {
        case UInt8(ascii: ","), UInt8(ascii: "]"):
            break
        case nil where !window.atEnd:
            try window.readMore()
            return nil
        case nil:
            return try tornTail(pending: element, failure: .init(offset: offset + parser.position, reason: "unexpected end of input"))
        default:
            return try tornTail(pending: element, failure: .init(offset: offset + parser.position, reason: "expected ',' or ']'"))
        }
        window.consume(parser.position)
        previousName = parser.previousName
        binCount = record.summary.histogram.counts.count
        state = .separator
        return element
    }

    // MARK: - Torn tails and errors

    /// At a syntax failure: the records of a torn tail end here (`pending`, an element parsed
    /// before the failure, is the last one when its line is complete), or the failure is a
    /// `format` error.
    private func tornTail(pending: Element?, failure: JSONParser.Failure) throws(HistlogError) -> Element? {
        let file = window.file
        let end: Int
        if let snapshotEnd = window.end { end = snapshotEnd } else { end = try file.size() }
        func byte(_ offset: Int) throws(HistlogError) -> UInt8? {
            guard offset >= 0 && offset < end else { return nil }
            return try file.read(count: 1, at: offset).first
        }
        /// Whether no newline lies in `from..<end`.
        func noNewline(from: Int) throws(HistlogError) -> Bool {
            var position = from
            while position < end {
                let chunk = try file.read(count: Swift.min(1 << 16, end - position), at: position)
                if chunk.isEmpty || chunk.contains(UInt8(ascii: "\n")) { return chunk.isEmpty }
                position += chunk.count
            }
            return true
        }
        // A histlog layout whose last line holds the damage: "[" alone on the first line; the
        // separator before the damage starts a line; after it at most its own newline (a write
        // stopped after its comma), then the piece of the interrupted write, without a newline.
        if end == 1 {  // "[": the first byte of a first write
            state = .finished
            return nil
        }
        let histlogLayout = try file.read(count: 2, at: 0) == Array("[\n".utf8)
        let separator = separatorOffset
        var separatorStartsALine = separator == 0
        if !separatorStartsALine { separatorStartsALine = try byte(separator - 1) == UInt8(ascii: "\n") }
        if histlogLayout, separatorStartsALine {
            if let pending, try byte(pending.offset + pending.length) == UInt8(ascii: "\n"),
               try noNewline(from: pending.offset + pending.length + 1) {
                state = .finished
                return pending
            }
            let next = try byte(separator + 1) == UInt8(ascii: "\n") ? separator + 2 : separator + 1
            // or a write stopped after its first byte, "{", over the old "]\n": "{\n" ends the file
            var finished = try noNewline(from: next)
            if !finished, end - next == 2 {
                let first = try byte(next)
                let last = try byte(end - 1)
                finished = first == UInt8(ascii: "{") && last == UInt8(ascii: "\n")
            }
            if finished {
                state = .finished
                return nil
            }
        }
        throw try located("\(failure.reason) at byte \(failure.offset)", at: failure.offset)
    }

    /// A `format` error: "<path> line <n>: <message>" for the line holding `offset`.
    private func located(_ message: String, at offset: Int) throws(HistlogError) -> HistlogError {
        var line = 1
        var position = 0
        while position < offset {
            let chunk = try window.file.read(count: Swift.min(1 << 20, offset - position), at: position)
            if chunk.isEmpty { break }
            line += chunk.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            position += chunk.count
        }
        return .format("\(path) line \(line): \(message)")
    }

    // MARK: - One element

    /// The record whose element `Element.offset` / `length` located in `file` (as `next()` gave it).
    static func record(in file: ReadableFile, offset: Int, length: Int) throws(HistlogError) -> HistogramRecord {
        let bytes = try file.read(count: length, at: offset)
        guard bytes.count == length else { throw .format("\(file.path) changed while it was read (it is shorter now)") }
        let record = bytes.withUnsafeBufferPointer { (buffer) -> JSONParser.Record in
            var parser = JSONParser(bytes: buffer)
            do throws(JSONParser.Failure) {
                let record = try parser.parseRecord(depth: 1)
                guard parser.position == buffer.count else { throw parser.failure("unexpected text after the value") }
                return record
            } catch {
                return .failure(.format("\(error.reason) at byte \(offset + error.offset)"))
            }
        }
        switch record {
        case .success(let record): return record
        case .failure(let error): throw .format("\(file.path) (record at byte \(offset)) changed while it was read: \(error.message)")
        }
    }
}
