/// Every error the engine throws. Each case names the C status code it becomes at the
/// C boundary (`Include/histlog.h`), and carries a message that names the problem.
public enum HistlogError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An argument is outside what the function accepts (`HL_EINVAL`).
    case invalidArgument(String)
    /// The file system refused: open, write, lock, disk full (`HL_EIO`). `errno` is the system's
    /// code (`ENOSPC`, `EACCES`, `EROFS`, ...; `hl_last_errno()` in C, `OSError.errno` in Python),
    /// 0 when the failure did not come from a system call.
    case io(String, errno: Int32 = 0)
    /// The logger or reader was already closed (`HL_ECLOSED`).
    case closed(String)
    /// No such key, step or record (`HL_ENOTFOUND`).
    case notFound(String)
    /// A file exists but is not in the expected format (`HL_EFORMAT`).
    case format(String)

    public var message: String {
        switch self {
        case .invalidArgument(let m), .io(let m, _), .closed(let m), .notFound(let m), .format(let m): m
        }
    }

    /// The system's error code of an `io` failure; 0 for every other case.
    public var errno: Int32 {
        if case .io(_, let code) = self { code } else { 0 }
    }

    public var description: String { message }

    /// The same error (case and errno) with its message rewritten, e.g. given context.
    func withMessage(_ rewrite: (String) -> String) -> HistlogError {
        switch self {
        case .invalidArgument(let m): .invalidArgument(rewrite(m))
        case .io(let m, let code): .io(rewrite(m), errno: code)
        case .closed(let m): .closed(rewrite(m))
        case .notFound(let m): .notFound(rewrite(m))
        case .format(let m): .format(rewrite(m))
        }
    }
}
