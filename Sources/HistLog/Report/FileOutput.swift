#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `contents` to `path` through a temporary file in the same directory renamed over it,
/// so a reader never sees half a file. Throws `.io` naming the path and the system's reason.
func writeFileAtomically(_ path: String, contents: String) throws {
    guard !path.isEmpty else { throw HistlogError.invalidArgument("output path must not be empty") }
    let temporary = path + ".tmp-\(getpid())"
    guard let file = fopen(temporary, "wb") else {
        throw HistlogError.io("cannot create \(temporary): \(systemError())")
    }
    var contents = contents
    let written = contents.withUTF8 { bytes in
        bytes.isEmpty ? 0 : fwrite(bytes.baseAddress, 1, bytes.count, file)
    }
    let expected = contents.utf8.count
    let flushed = fflush(file) == 0
    let closed = fclose(file) == 0
    guard written == expected, flushed, closed else {
        let reason = systemError()
        unlink(temporary)
        throw HistlogError.io("cannot write \(temporary): \(reason)")
    }
    guard rename(temporary, path) == 0 else {
        let reason = systemError()
        unlink(temporary)
        throw HistlogError.io("cannot rename \(temporary) to \(path): \(reason)")
    }
}

private func systemError() -> String {
    guard let message = strerror(errno) else { return "errno \(errno)" }
    return String(cString: message)
}
