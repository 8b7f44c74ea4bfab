/// The file under `<run>/histograms/` that holds a key's records.
///
/// A key that is already a safe, lowercase name (`[a-z0-9._-]`, no leading `.`, no `..`,
/// short enough, not ending like a hashed name) is its own file name: `loss.json`.
/// Any other key becomes a readable slug — every character outside `[A-Za-z0-9._-]`, a leading
/// `.` and the second `.` of `..` replaced by `_`, cut to 177 bytes — followed by `-h` and the
/// 16 hex digits of the FNV-1a 64 hash of the key's exact UTF-8 bytes:
/// `weights/layer1` → `weights_layer1-h5f0c2b7d9e1a3c48.json`.
///
/// Why this is injective, also on case-insensitive file systems: plain names contain no
/// uppercase letter and never end in `-h<16 hex>`, so they differ from each other exactly when
/// the keys differ and never equal a hashed name in any letter case; two hashed names coincide
/// only if the 64-bit hashes of the keys do (and even then readers keep the keys apart: every
/// record carries its key as `name`). The result only uses `[A-Za-z0-9._-]`, has no `%`
/// and no `..`, never starts with `.`, and is at most 200 bytes, so it cannot leave `histograms/`.
public enum HistogramFileName {
    public static let maximumLength = 200
    static let suffix = ".json"
    static let hashLength = 16
    static let slugLimit = maximumLength - suffix.utf8.count - 2 - hashLength

    /// Throws `invalidArgument` for the empty key and keys containing NUL.
    public static func validate(key: String) throws(HistlogError) {
        if key.isEmpty { throw .invalidArgument("key must be a non-empty string") }
        if key.utf8.contains(0) { throw .invalidArgument("key must not contain NUL characters") }
    }

    /// The file name (no directory) for `key`.
    public static func forKey(_ key: String) throws(HistlogError) -> String {
        try validate(key: key)
        if isPlain(key) { return key + suffix }
        var slug: [UInt8] = []
        slug.reserveCapacity(Swift.min(key.utf8.count, slugLimit))
        for scalar in key.unicodeScalars {
            guard slug.count < slugLimit else { break }
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", "_", "-":
                slug.append(UInt8(scalar.value))
            case "." where !slug.isEmpty && slug.last != UInt8(ascii: "."):
                slug.append(UInt8(ascii: "."))
            default:
                slug.append(UInt8(ascii: "_"))
            }
        }
        return String(decoding: slug, as: UTF8.self) + "-h" + hex(fnv1a64(key)) + suffix
    }

    static func isPlain(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard bytes.count + suffix.utf8.count <= maximumLength, bytes.first != UInt8(ascii: ".") else { return false }
        var previous: UInt8 = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"):
                break
            case UInt8(ascii: "."):
                if previous == UInt8(ascii: ".") { return false }
            default:
                return false
            }
            previous = byte
        }
        return !looksHashed(bytes)
    }

    /// Ends in `-h` followed by 16 lowercase hex digits, like a hashed name.
    private static func looksHashed(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= hashLength + 2 else { return false }
        let tail = bytes.suffix(hashLength + 2)
        guard tail.first == UInt8(ascii: "-"), tail.dropFirst().first == UInt8(ascii: "h") else { return false }
        return tail.dropFirst(2).allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// FNV-1a, 64 bits, over the key's UTF-8 bytes.
    static func fnv1a64(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: hashLength - digits.count) + digits
    }
}
