import Glibc
import Synchronization

/// A file descriptor with the few system calls the formats need; every failure becomes an
/// `io` error naming the path and the system's reason. Closed on deinit.
final class POSIXFile {
    let path: String
    let descriptor: Int32

    /// `open(2)` with `O_CLOEXEC` added; mode 0644 for created files.
    init(path: String, flags: Int32) throws(HistlogError) {
        self.path = path
        var descriptor: Int32
        repeat {
            descriptor = open(path, flags | O_CLOEXEC, 0o644)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw POSIXFile.error("cannot open", path) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    static func error(_ action: String, _ path: String, _ code: Int32 = errno) -> HistlogError {
        .io("\(action) \(path): \(SystemError(code).reason)", errno: code)
    }

    var size: Int {
        get throws(HistlogError) { try status().size }
    }

    /// `fstat(2)`: the file's length, and whether its last name was removed (`st_nlink` 0: the
    /// file or its directory was deleted, so what is written here reaches no one).
    func status() throws(HistlogError) -> (size: Int, isDeleted: Bool) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Self.error("cannot stat", path) }
        return (Int(info.st_size), info.st_nlink == 0)
    }

    /// `fsync(2)`: returns once the file's data and length are on the storage device.
    func sync() throws(HistlogError) {
        while fsync(descriptor) != 0 {
            guard errno == EINTR else { throw Self.error("cannot fsync", path) }
        }
    }

    /// `fsync(2)` of a directory: makes the names created in it (files, subdirectories) durable.
    static func syncDirectory(_ path: String) throws(HistlogError) {
        try POSIXFile(path: path, flags: O_RDONLY | O_DIRECTORY).sync()
    }

    private static let temporaryCounter = Atomic<Int>(0)

    /// Creates the file `path` holding `contents`, never visible with less: the bytes go to a
    /// temporary file next to it, which `link(2)` then names `path` (failing if it exists).
    /// Returns false when `path` already existed (left untouched). On a full disk nothing is left.
    /// Where the file system has no hard links, `path` is created and written in place.
    static func create(_ path: String, contents: [UInt8]) throws(HistlogError) -> Bool {
        let (temporary, file) = try temporaryFile(nextTo: path)
        defer { unlink(temporary) }
        do {
            try file.append(contents)
        } catch {
            throw Self.error("cannot create", path, error.errno)
        }
        guard link(temporary, path) == 0 else {
            switch errno {
            case EEXIST: return false
            case EPERM, EOPNOTSUPP: return try createInPlace(path, contents: contents)
            default: throw Self.error("cannot create", path)
            }
        }
        return true
    }

    /// Writes `contents` to `path`, replacing any file there, never visible with less: the bytes
    /// go to a temporary file next to it, which `rename(2)` then names `path`. On failure the
    /// temporary file is removed and `path` is left as it was.
    static func replace(_ path: String, contents: [UInt8]) throws(HistlogError) {
        let (temporary, file) = try temporaryFile(nextTo: path)
        do {
            try file.append(contents)
        } catch {
            unlink(temporary)
            throw Self.error("cannot write", path, error.errno)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw Self.error("cannot replace", path, code)
        }
    }

    /// `<directory>/.<name>.<pid>.<counter>.tmp`, created for writing.
    private static func temporaryFile(nextTo path: String) throws(HistlogError) -> (String, POSIXFile) {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        while true {
            let counter = temporaryCounter.add(1, ordering: .relaxed).newValue
            let temporary = "\(path[..<slash]).\(path[slash...]).\(getpid()).\(counter).tmp"
            do {
                return (temporary, try POSIXFile(path: temporary, flags: O_WRONLY | O_CREAT | O_EXCL))
            } catch {  // EEXIST: a stale file of a killed process; take the next name
                guard error.errno == EEXIST else { throw Self.error("cannot create", path, error.errno) }
            }
        }
    }

    private static func createInPlace(_ path: String, contents: [UInt8]) throws(HistlogError) -> Bool {
        let file: POSIXFile
        do {
            file = try POSIXFile(path: path, flags: O_WRONLY | O_CREAT | O_EXCL)
        } catch {
            guard error.errno == EEXIST else { throw error }
            return false
        }
        try file.append(contents)
        return true
    }

    /// Exclusive `flock(2)` for the duration of `body`: excludes other processes and other
    /// open descriptions of the file in this process.
    func withExclusiveLock<T>(_ body: () throws(HistlogError) -> T) throws(HistlogError) -> T {
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw Self.error("cannot lock", path) }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// Writes all of `bytes` at `offset` (retrying short writes and EINTR). On failure,
    /// `written` says how many of them reached the file.
    func write(_ bytes: [UInt8], at offset: Int, written done: inout Int) throws(HistlogError) {
        try writeAll(bytes, &done) { buffer, done in
            pwrite(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
        }
    }

    func write(_ bytes: [UInt8], at offset: Int) throws(HistlogError) {
        var written = 0
        try write(bytes, at: offset, written: &written)
    }

    /// Appends all of `bytes` (the descriptor must be opened with `O_APPEND`).
    func append(_ bytes: [UInt8]) throws(HistlogError) {
        var done = 0
        try writeAll(bytes, &done) { buffer, done in
            Glibc.write(descriptor, buffer.baseAddress! + done, buffer.count - done)
        }
    }

    private func writeAll(_ bytes: [UInt8], _ done: inout Int, _ call: (UnsafeRawBufferPointer, Int) -> Int) throws(HistlogError) {
        guard !bytes.isEmpty else { return }
        done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { call($0, done) }
            if result < 0 {
                if errno == EINTR { continue }
                throw Self.error("cannot write", path)
            }
            done += result
        }
    }

    /// Up to `count` bytes at `offset` (fewer only at the end of the file).
    func read(count: Int, at offset: Int) throws(HistlogError) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw Self.error("cannot read", path)
            }
            if result == 0 { break }
            done += result
        }
        bytes.removeLast(count - done)
        return bytes
    }

    func truncate(to length: Int) throws(HistlogError) {
        while ftruncate(descriptor, off_t(length)) != 0 {
            guard errno == EINTR else { throw Self.error("cannot truncate", path) }
        }
    }

    /// The whole file, or nil when it does not exist.
    static func contents(of path: String) throws(HistlogError) -> [UInt8]? {
        guard FileKind(path: path) != .missing else { return nil }
        let file = try POSIXFile(path: path, flags: O_RDONLY)
        // One read of the size seen now, with room for a writer's appends since.
        let chunk = 1 << 16
        let requested = try file.size + chunk
        var failure: Int32 = 0
        // Read straight into the array's storage (no zero-filling first).
        var bytes = [UInt8](unsafeUninitializedCapacity: requested) { buffer, initialized in
            initialized = 0
            while initialized < requested {
                let result = pread(file.descriptor, buffer.baseAddress! + initialized, requested - initialized, off_t(initialized))
                if result < 0 && errno == EINTR { continue }
                if result < 0 { failure = errno }
                if result <= 0 { break }
                initialized += result
            }
        }
        if failure != 0 { throw Self.error("cannot read", path, failure) }
        var grown = bytes.count == requested
        while grown {
            let part = try file.read(count: chunk, at: bytes.count)
            bytes += part
            grown = part.count == chunk
        }
        return bytes
    }
}

/// The kind of file at a path (`stat(2)`, which follows symbolic links).
enum FileKind {
    case missing, directory, regular, other

    init(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            self = .missing
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: self = .directory
        case S_IFREG: self = .regular
        default: self = .other
        }
    }
}

/// `mkdir -p`: creates `path` and missing parents; an existing directory is fine. Returns the
/// directories it created, outermost first.
@discardableResult
func makeDirectories(_ path: String) throws(HistlogError) -> [String] {
    switch FileKind(path: path) {
    case .directory: return []
    case .missing: break
    case .regular, .other: throw .io("\(path) exists and is not a directory", errno: ENOTDIR)
    }
    var created: [String] = []
    if let parent = parentDirectory(path) {
        created = try makeDirectories(parent)
    }
    if mkdir(path, 0o755) == 0 {
        created.append(path)
    } else if errno != EEXIST {
        throw POSIXFile.error("cannot create directory", path)
    }
    guard FileKind(path: path) == .directory else { throw .io("\(path) exists and is not a directory", errno: ENOTDIR) }
    return created
}

/// The directory holding `path` ("." for a bare name), nil for "/".
func parentDirectory(_ path: String) -> String? {
    var trimmed = path
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return "." }
    return slash == trimmed.startIndex ? (trimmed == "/" ? nil : "/") : String(trimmed[..<slash])
}
