/// The library's version; `Include/histlog.h`'s `HL_VERSION_*` macros carry the same numbers
/// (the C tests compare them).
public enum HistLogVersion {
    public static let major = 0
    public static let minor = 3
    public static let patch = 0
    /// `major * 10000 + minor * 100 + patch`, as `HL_VERSION_NUMBER`.
    public static let number = major * 10000 + minor * 100 + patch
    /// "MAJOR.MINOR.PATCH", NUL-terminated static storage for the C boundary.
    public static let string: StaticString = "0.3.0"
}
