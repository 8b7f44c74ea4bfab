/// TFRecord framing: `uint64 length`, `uint32 masked_crc32c(length)`, `data`,
/// `uint32 masked_crc32c(data)`, all little-endian.
enum TFRecord {
    static func frame(_ data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(data.count + 16)
        appendLittleEndian(UInt64(data.count), to: &bytes)
        appendLittleEndian(CRC32C.masked(bytes), to: &bytes)  // of the 8 length bytes
        bytes += data
        appendLittleEndian(CRC32C.masked(data), to: &bytes)
        return bytes
    }

    static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func readUInt32<Bytes: Collection<UInt8>>(_ bytes: Bytes, at offset: Int) -> UInt32 {
        var value: UInt32 = 0
        var index = bytes.index(bytes.startIndex, offsetBy: offset)
        for shift in stride(from: 0, to: 32, by: 8) {
            value |= UInt32(bytes[index]) << shift
            bytes.formIndex(after: &index)
        }
        return value
    }
}

/// The records of an event file, front to back, holding one chunk of the file (or one record,
/// when a record is longer). Reading stops at the first record that is incomplete or fails a
/// checksum (a torn or damaged tail): a length field is trusted only once its own checksum
/// passed and only up to the bytes the file holds, so a damaged length (2^60) reads nothing.
final class TFRecordReader {
    private let window: FileWindow
    /// The file's size when last looked at (a writer may be appending).
    private var size: Int
    /// Set when reading stopped at damage rather than at the end of the file.
    private(set) var damaged = false

    init(_ file: ReadableFile) throws(HistlogError) {
        window = FileWindow(file, capacity: 1 << 16)
        size = try file.size()
    }

    /// The next record's payload and the file offset where the payload starts; nil at the end
    /// or at the first damaged record.
    func next() throws(HistlogError) -> (offset: Int, payload: [UInt8])? {
        guard try window.ensure(12) else {
            damaged = !window.bytes.isEmpty
            return nil
        }
        let header = window.bytes
        let lengthBytes = UnsafeBufferPointer(rebasing: header[0..<8])
        guard TFRecord.readUInt32(header, at: 8) == CRC32C.masked(lengthBytes) else {
            damaged = true
            return nil
        }
        let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if length > UInt64(Swift.max(0, size - window.offset - 16)) { size = try window.file.size() }
        guard length <= UInt64(Swift.max(0, size - window.offset - 16)), try window.ensure(12 + Int(length) + 4) else {
            damaged = true
            return nil
        }
        let record = window.bytes
        let data = UnsafeBufferPointer(rebasing: record[12..<12 + Int(length)])
        guard TFRecord.readUInt32(record, at: 12 + Int(length)) == CRC32C.masked(data) else {
            damaged = true
            return nil
        }
        let offset = window.offset + 12
        let payload = Array(data)
        window.consume(16 + Int(length))
        return (offset, payload)
    }
}
