import Glibc

/// A path as the file system sees it: bytes without NUL, which need not be UTF-8 (a file name
/// is whatever bytes its creator chose). `description` is for messages.
struct FilePath: Sendable, Hashable, CustomStringConvertible {
    let bytes: [UInt8]

    init(_ path: String) { bytes = Array(path.utf8) }
    init(bytes: [UInt8]) { self.bytes = bytes }

    /// `self/name`.
    func appending(_ name: [UInt8]) -> FilePath {
        FilePath(bytes: bytes.last == UInt8(ascii: "/") ? bytes + name : bytes + [UInt8(ascii: "/")] + name)
    }

    var description: String { String(decoding: bytes, as: UTF8.self) }

    func withCString<T>(_ body: (UnsafePointer<CChar>) throws -> T) rethrows -> T {
        try (bytes + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    /// What `stat(2)` finds at the path (following symbolic links), or the `errno` it failed with.
    func status() -> Result<stat, SystemError> {
        var info = stat()
        let result = withCString { stat($0, &info) }
        return result == 0 ? .success(info) : .failure(SystemError(errno))
    }

    /// The names in the directory (without `.` and `..`), sorted bytewise.
    func directoryEntries() throws(HistlogError) -> [[UInt8]] {
        guard let directory = withCString({ opendir($0) }) else { throw SystemError(errno).error("cannot list", self) }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            // Read in place up to its NUL: the record is shorter than `dirent`, so copying the
            // whole field would read bytes the kernel never wrote.
            let name = withUnsafePointer(to: &entry.pointee.d_name) { field in
                field.withMemoryRebound(to: CChar.self, capacity: 1) { start in
                    Array(UnsafeRawBufferPointer(start: start, count: strlen(start)).bindMemory(to: UInt8.self))
                }
            }
            if name != [UInt8(ascii: ".")] && name != [UInt8(ascii: "."), UInt8(ascii: ".")] { names.append(name) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }
}

/// An `errno` value, turned into a message naming the path.
struct SystemError: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }

    var reason: String { String(cString: strerror(code)) }

    func error(_ action: String, _ path: FilePath) -> HistlogError {
        code == ENOENT ? .notFound("\(action) \(path): \(reason)") : .io("\(action) \(path): \(reason)")
    }
}

extension stat {
    var isDirectory: Bool { st_mode & S_IFMT == S_IFDIR }
    var isRegularFile: Bool { st_mode & S_IFMT == S_IFREG }

    /// "a directory", "a FIFO", ...: what a path is when it is not what was expected.
    var kindDescription: String {
        switch st_mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFREG: "a regular file"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFCHR, S_IFBLK: "a device"
        default: "not a regular file"
        }
    }
}

/// A regular file opened for reading. Opening anything else (a FIFO, a device, a directory)
/// fails instead of blocking or reading forever. Closed on deinit.
final class ReadableFile {
    let path: FilePath
    let descriptor: Int32

    init(_ path: FilePath) throws(HistlogError) {
        var descriptor: Int32
        // O_NONBLOCK: opening a FIFO must not wait for a writer.
        repeat {
            descriptor = path.withCString { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw SystemError(errno).error("cannot open", path) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let error = SystemError(errno).error("cannot stat", path)
            close(descriptor)
            throw error
        }
        guard info.isRegularFile else {
            close(descriptor)
            throw .format("\(path) is \(info.kindDescription), not a file")
        }
        // Set last: an initializer that throws once every property is set still runs `deinit`,
        // whose second `close` could close a descriptor another thread has just opened.
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The file's size now.
    func size() throws(HistlogError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SystemError(errno).error("cannot stat", path) }
        return Int(info.st_size)
    }

    /// Reads up to `buffer.count` bytes at `offset` into `buffer`; fewer only at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(HistlogError) -> Int {
        var done = 0
        while done < buffer.count {
            let result = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if result < 0 {
                if errno == EINTR { continue }
                throw SystemError(errno).error("cannot read", path)
            }
            if result == 0 { break }
            done += result
        }
        return done
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    func read(count: Int, at offset: Int) throws(HistlogError) -> [UInt8] {
        guard count > 0 else { return [] }
        var failure: HistlogError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(HistlogError) {
                initialized = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }
}

/// A sliding window over a file read front to back: the unread bytes of the window are
/// `bytes`, starting at file offset `offset`. `readMore()` reads the next chunk, keeping the
/// unread bytes (and growing the window when they fill it), so a reader holds one chunk, or one
/// element when an element is longer, never the whole file.
final class FileWindow {
    static let chunk = 1 << 20

    let file: ReadableFile
    /// Where reading stops (a snapshot's end); nil: the end of the file.
    let end: Int?
    private var storage: UnsafeMutableRawBufferPointer
    private var start = 0   // first unread byte in storage
    private var filled = 0  // bytes of storage holding file data
    private var base: Int   // file offset of storage[0]
    /// No byte is left to read after the window.
    private(set) var atEnd = false

    /// `capacity`: the first chunk's size (the window grows as needed).
    init(_ file: ReadableFile, end: Int? = nil, capacity: Int = FileWindow.chunk) {
        self.file = file
        self.end = end
        base = 0
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(capacity, 16), alignment: 16)
    }

    deinit { storage.deallocate() }

    /// The unread bytes of the window.
    var bytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage.baseAddress!.assumingMemoryBound(to: UInt8.self) + start, count: filled - start)
    }

    /// File offset of `bytes[0]`.
    var offset: Int { base + start }

    func consume(_ count: Int) { start += count }

    /// Reads until the window holds `count` unread bytes or the file ends; whether it does.
    func ensure(_ count: Int) throws(HistlogError) -> Bool {
        while filled - start < count && !atEnd { try readMore() }
        return filled - start >= count
    }

    /// Reads the next chunk after the window (moving the unread bytes to the front, and doubling
    /// the window when they fill more than half of it). Sets `atEnd` at the end of the file.
    func readMore() throws(HistlogError) {
        guard !atEnd else { return }
        let unread = filled - start
        if start > 0 {
            if unread > 0 { storage.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: unread) }
            base += start
            start = 0
            filled = unread
        }
        if storage.count - filled < storage.count / 2 {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: storage.count * 2, alignment: 16)
            larger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: filled)
            storage.deallocate()
            storage = larger
        }
        var room = storage.count - filled
        if let end { room = Swift.min(room, Swift.max(0, end - (base + filled))) }
        let read = room == 0 ? 0 : try file.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[filled..<filled + room]), at: base + filled)
        filled += read
        if read < room || room == 0 { atEnd = true }
    }
}
