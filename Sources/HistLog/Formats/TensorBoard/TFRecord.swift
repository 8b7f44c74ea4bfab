import Glibc

/// TFRecord framing: `uint64 length`, `uint32 masked_crc32c(length)`, `data`,
/// `uint32 masked_crc32c(data)`, all little-endian.
enum TFRecord {
    static func frame(_ data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(data.count + 16)
        let length = littleEndianBytes(UInt64(data.count))
        bytes += length
        bytes += littleEndianBytes(CRC32C.masked(length))
        bytes += data
        bytes += littleEndianBytes(CRC32C.masked(data))
        return bytes
    }

    /// Whether the file starts with a record header whose checksum holds, as a TensorBoard
    /// event file does (any other file passes by chance once in 2^32).
    static func fileStartsWithRecord(_ path: String) throws(HistlogError) -> Bool {
        let head = try POSIXFile(path: path, flags: O_RDONLY).read(count: 12, at: 0)
        return head.count == 12 && readUInt32(head, at: 8) == CRC32C.masked(head[0..<8])
    }

    /// The payloads of a file's records, in order, stopping at the first record that is
    /// incomplete or fails its checksum (a torn tail). `damaged` says whether anything was left.
    static func records(in bytes: [UInt8]) -> (payloads: [ArraySlice<UInt8>], damaged: Bool) {
        var payloads: [ArraySlice<UInt8>] = []
        var position = 0
        while position < bytes.count {
            guard bytes.count - position >= 12 else { return (payloads, true) }
            let lengthBytes = bytes[position..<position + 8]
            guard readUInt32(bytes, at: position + 8) == CRC32C.masked(lengthBytes) else { return (payloads, true) }
            let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let start = position + 12
            guard length <= UInt64(bytes.count - start), bytes.count - start - Int(length) >= 4 else {
                return (payloads, true)
            }
            let end = start + Int(length)
            let data = bytes[start..<end]
            guard readUInt32(bytes, at: end) == CRC32C.masked(data) else { return (payloads, true) }
            payloads.append(data)
            position = end + 4
        }
        return (payloads, false)
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    static func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
