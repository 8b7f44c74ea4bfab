/// Every error the engine throws. Each case names the C status code it becomes at the
/// C boundary (`Include/histlog.h`), and carries a message that names the problem.
public enum HistlogError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An argument is outside what the function accepts (`HL_EINVAL`).
    case invalidArgument(String)
    /// The file system refused: open, write, lock, disk full (`HL_EIO`).
    case io(String)
    /// The logger or reader was already closed (`HL_ECLOSED`).
    case closed(String)
    /// No such key, step or record (`HL_ENOTFOUND`).
    case notFound(String)
    /// A file exists but is not in the expected format (`HL_EFORMAT`).
    case format(String)

    public var message: String {
        switch self {
        case .invalidArgument(let m), .io(let m), .closed(let m), .notFound(let m), .format(let m): m
        }
    }

    public var description: String { message }
}
