/// The protobuf wire format, as far as TensorBoard's event files need it.
enum WireType: UInt64 {
    case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
}

/// Encodes fields in the order they are called.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func key(_ field: Int, _ wire: WireType) {
        varint(UInt64(field) << 3 | wire.rawValue)
    }

    mutating func double(_ field: Int, _ value: Double) {
        key(field, .fixed64)
        TFRecord.appendLittleEndian(value.bitPattern, to: &bytes)
    }

    mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        TFRecord.appendLittleEndian(value.bitPattern, to: &bytes)
    }

    mutating func int64(_ field: Int, _ value: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes += value
    }

    mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        build(&nested)
        bytes(field, nested.bytes)
    }

    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        key(field, .lengthDelimited)
        varint(UInt64(values.count * 8))
        bytes.reserveCapacity(bytes.count + values.count * 8)
        for value in values { TFRecord.appendLittleEndian(value.bitPattern, to: &bytes) }
    }
}

/// Decodes fields one at a time; unknown fields are skipped by the caller with `skip`.
struct ProtobufReader {
    struct Malformed: Error {}

    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    /// The next field's number and wire type, or nil at the end.
    mutating func nextField() throws(Malformed) -> (field: Int, wire: UInt64)? {
        guard position < bytes.endIndex else { return nil }
        let key = try varint()
        guard key >> 3 > 0, key >> 3 <= UInt64(Int32.max) else { throw Malformed() }
        return (Int(key >> 3), key & 7)
    }

    mutating func varint() throws(Malformed) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.endIndex, shift < 64 else { throw Malformed() }
            let byte = bytes[position]
            position += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func fixed64() throws(Malformed) -> UInt64 {
        guard bytes.endIndex - position >= 8 else { throw Malformed() }
        var result: UInt64 = 0
        for index in 0..<8 { result |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
        position += 8
        return result
    }

    mutating func fixed32() throws(Malformed) -> UInt32 {
        guard bytes.endIndex - position >= 4 else { throw Malformed() }
        var result: UInt32 = 0
        for index in 0..<4 { result |= UInt32(bytes[position + index]) << (8 * UInt32(index)) }
        position += 4
        return result
    }

    mutating func lengthDelimited() throws(Malformed) -> ArraySlice<UInt8> {
        let length = try varint()
        guard length <= UInt64(bytes.endIndex - position) else { throw Malformed() }
        let slice = bytes[position..<position + Int(length)]
        position += Int(length)
        return slice
    }

    mutating func skip(_ wire: UInt64) throws(Malformed) {
        switch wire {
        case WireType.varint.rawValue: _ = try varint()
        case WireType.fixed64.rawValue: _ = try fixed64()
        case WireType.lengthDelimited.rawValue: _ = try lengthDelimited()
        case WireType.fixed32.rawValue: _ = try fixed32()
        default: throw Malformed()
        }
    }

    /// A repeated double field, packed (wire 2) or not (wire 1).
    mutating func doubles(_ wire: UInt64, into values: inout [Double]) throws(Malformed) {
        if wire == WireType.fixed64.rawValue {
            values.append(Double(bitPattern: try fixed64()))
        } else if wire == WireType.lengthDelimited.rawValue {
            var packed = ProtobufReader(try lengthDelimited())
            while packed.position < packed.bytes.endIndex { values.append(Double(bitPattern: try packed.fixed64())) }
        } else {
            throw Malformed()
        }
    }

    /// A repeated float field, packed (wire 2) or not (wire 5).
    mutating func floats(_ wire: UInt64, into values: inout [Double]) throws(Malformed) {
        if wire == WireType.fixed32.rawValue {
            values.append(Double(Float(bitPattern: try fixed32())))
        } else if wire == WireType.lengthDelimited.rawValue {
            var packed = ProtobufReader(try lengthDelimited())
            while packed.position < packed.bytes.endIndex { values.append(Double(Float(bitPattern: try packed.fixed32()))) }
        } else {
            throw Malformed()
        }
    }
}
