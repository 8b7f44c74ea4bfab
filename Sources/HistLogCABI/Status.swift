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
            let message = Self.inCTerms(error.message) + (code == 0 ? "" : " (errno \(code))")
            self.init(status: error.status, message: message, errno: code)
        default: self.init(status: HL_EINTERNAL, message: "internal error: \(error)")
        }
    }
}

extension Failure {
    /// The engine's messages name its Swift parameters; a C caller set the header's fields.
    private static let cTerms = [
        ("outlierThreshold", "outlier_threshold"), ("zeroTolerance", "zero_tolerance"),
        ("queueCapacity", "queue_capacity"), ("nanCount", "nan_count"), ("infCount", "inf_count"),
        ("zeroCount must be nil", "zero_count must be -1 (unknown)"), ("zeroCount", "zero_count"),
        ("bucketLimits", "bucket_limits"), ("bucketCounts", "bucket_counts"), ("sumSquares", "sum_squares"),
    ]

    static func inCTerms(_ message: String) -> String {
        cTerms.reduce(message) { text, term in text.replacing(term.0, with: term.1) }
    }
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

/// Runs an export's body that creates a handle: the handle, or NULL with the message recorded.
func handle(_ body: () throws -> OpaquePointer) -> OpaquePointer? {
    do {
        return try body()
    } catch {
        LastError.record(Failure(error))
        return nil
    }
}
