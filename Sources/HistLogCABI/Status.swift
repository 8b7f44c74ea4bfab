import CHistLog
import HistLog

/// A failure on its way out of an export: the `HL_E*` code it returns and the message
/// `hl_last_error()` then gives on the calling thread.
struct Failure: Error {
    var status: Int32
    var message: String
    /// The system's error code behind an `HL_EIO` (`hl_last_errno()`), 0 when there is none.
    var errno: Int32

    init(status: Int32, message: String, errno: Int32 = 0) {
        self.status = status
        self.message = message
        self.errno = errno
    }

    /// A required pointer argument was NULL (`HL_ENULL`).
    static func null(_ argument: String) -> Failure {
        Failure(status: HL_ENULL, message: "\(argument) is NULL")
    }

    /// A caller buffer is too small (`HL_ESIZE`); the needed size was written back.
    static func size(_ argument: String, needs needed: Int, has capacity: Int) -> Failure {
        Failure(status: HL_ESIZE, message: "\(argument) has room for \(capacity), needs \(needed)")
    }

    static func invalid(_ message: String) -> Failure {
        Failure(status: HL_EINVAL, message: message)
    }

    /// Any thrown error as a status: `HistlogError` cases map one to one; anything else is a
    /// bug in histlog (`HL_EINTERNAL`).
    init(_ error: any Error) {
        switch error {
        case let failure as Failure: self = failure
        case let error as HistlogError:
            let code = error.errno
            let message = error.message(naming: Self.cName, unknown: Self.unknownCount) + (code == 0 ? "" : " (errno \(code))")
            self.init(status: error.status, message: message, errno: code)
        default: self.init(status: HL_EINTERNAL, message: "internal error: \(error)")
        }
    }
}

extension Failure {
    /// The header's spelling of an engine argument: its fields are the Swift names in snake case
    /// (`zeroTolerance` is `zero_tolerance`, `sumSquares` is `sum_squares`).
    static func cName(_ swiftName: String) -> String {
        swiftName.reduce(into: "") { name, character in
            if character.isUppercase { name += "_" + character.lowercased() } else { name.append(character) }
        }
    }

    /// The header's spelling of "not known" for a count (`hl_moments.zero_count`).
    static let unknownCount = "-1 (unknown)"
}

extension HistlogError {
    /// The C status code of each case, as `Include/histlog.h` pins it.
    var status: Int32 {
        switch self {
        case .invalidArgument: HL_EINVAL
        case .io: HL_EIO
        case .closed: HL_ECLOSED
        case .notFound: HL_ENOTFOUND
        case .format: HL_EFORMAT
        }
    }
}

/// Runs an export's body: `HL_OK`, or the failure's status with its message recorded for
/// `hl_last_error()`. Nothing thrown crosses the C boundary.
func status(_ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return HL_OK
    } catch {
        let failure = Failure(error)
        LastError.record(failure)
        return failure.status
    }
}
