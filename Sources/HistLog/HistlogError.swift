/// Every error the engine throws. Each case names the C status code it becomes at the
/// C boundary (`Include/histlog.h`), and carries a message that names the problem.
public enum HistlogError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An argument is outside what the function accepts (`HL_EINVAL`). The message keeps the
    /// arguments it names apart from its text, so that a binding can spell them its own way.
    case invalidArgument(ArgumentMessage)
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

    /// The message with the engine's own (Swift) argument names.
    public var message: String {
        switch self {
        case .invalidArgument(let m): m.description
        case .io(let m, _), .closed(let m), .notFound(let m), .format(let m): m
        }
    }

    /// The message with each argument spelled by `name` (given its Swift name) and the value
    /// that means "not known" (Swift's `nil`) spelled `unknown`: how a binding names its own
    /// fields (`zeroCount` is `zero_count`, nil is -1 in C).
    public func message(naming name: (String) -> String, unknown: String) -> String {
        if case .invalidArgument(let m) = self { m.text(naming: name, unknown: unknown) } else { message }
    }

    /// The system's error code of an `io` failure; 0 for every other case.
    public var errno: Int32 {
        if case .io(_, let code) = self { code } else { 0 }
    }

    public var description: String { message }

    /// The same error (case and errno) with its message rewritten, e.g. given context.
    func withMessage(_ rewrite: (String) -> String) -> HistlogError {
        switch self {
        case .invalidArgument(let m): .invalidArgument(ArgumentMessage(stringLiteral: rewrite(m.description)))
        case .io(let m, let code): .io(rewrite(m), errno: code)
        case .closed(let m): .closed(rewrite(m))
        case .notFound(let m): .notFound(rewrite(m))
        case .format(let m): .format(rewrite(m))
        }
    }
}

/// The message of an `invalidArgument` error: text, and the arguments it names by their Swift
/// names (`"\(argument: "zeroTolerance") must be >= 0"`), which a binding spells as its callers
/// know them (`message(naming:unknown:)`). Two messages are equal when their Swift texts are.
public struct ArgumentMessage: Equatable, Sendable, CustomStringConvertible, ExpressibleByStringInterpolation {
    /// A word of a message whose spelling depends on the language of the caller.
    public enum Word: Sendable, Equatable {
        /// The value an optional argument takes when it is not known: `nil` in Swift.
        case unknown
    }

    enum Piece: Sendable, Equatable {
        case text(String)
        case argument(String)
        case word(Word)
    }

    var pieces: [Piece]

    public init(stringLiteral text: String) {
        pieces = [.text(text)]
    }

    public init(stringInterpolation: StringInterpolation) {
        pieces = stringInterpolation.pieces
    }

    /// The names of the arguments the message is about, in order.
    public var arguments: [String] {
        pieces.compactMap { if case .argument(let name) = $0 { name } else { nil } }
    }

    /// The text with each argument spelled by `name` and `Word.unknown` spelled `unknown`.
    public func text(naming name: (String) -> String, unknown: String) -> String {
        pieces.reduce(into: "") { text, piece in
            switch piece {
            case .text(let part): text += part
            case .argument(let argument): text += name(argument)
            case .word(.unknown): text += unknown
            }
        }
    }

    /// The text with the Swift names.
    public var description: String { text(naming: { $0 }, unknown: "nil") }

    public static func == (lhs: ArgumentMessage, rhs: ArgumentMessage) -> Bool {
        lhs.description == rhs.description
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) {
            pieces.append(.text(literal))
        }

        /// A value, as string interpolation shows it.
        public mutating func appendInterpolation<Value>(_ value: Value) {
            pieces.append(.text(String(describing: value)))
        }

        /// An argument of the function that threw, by its Swift name.
        public mutating func appendInterpolation(argument name: String) {
            pieces.append(.argument(name))
        }

        public mutating func appendInterpolation(_ word: Word) {
            pieces.append(.word(word))
        }

        /// Another message, its arguments kept.
        public mutating func appendInterpolation(_ message: ArgumentMessage) {
            pieces += message.pieces
        }
    }
}
