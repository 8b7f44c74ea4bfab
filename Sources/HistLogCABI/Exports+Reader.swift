import CHistLog
import HistLog

// An `hl_reader *` is an `Unmanaged<RunReader>` holding one reference, released by hl_reader_close.

/// `hl_reader_open`: `RunReader(path:)`.
@_cdecl("hl_reader_open")
public func hl_reader_open(_ path: UnsafePointer<CChar>?) -> OpaquePointer? {
    handle { retainedHandle(try RunReader(path: try text(path, "path"))) }
}

/// `hl_reader_close`: releases the handle's reference. NULL is a no-op.
@_cdecl("hl_reader_close")
public func hl_reader_close(_ reader: OpaquePointer?) {
    guard let reader else { return }
    _ = release(reader, as: RunReader.self)
}

/// `hl_reader_key_count`: `RunReader.keys.count`.
@_cdecl("hl_reader_key_count")
public func hl_reader_key_count(_ reader: OpaquePointer?, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    status {
        let reader = try object(reader, "reader", as: RunReader.self)
        try required(count, "count").pointee = reader.keys.count
    }
}

/// `hl_reader_key`: `RunReader.keys[index]` as NUL-terminated UTF-8 in the caller's buffer.
@_cdecl("hl_reader_key")
public func hl_reader_key(
    _ reader: OpaquePointer?, _ index: Int, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int,
    _ length: UnsafeMutablePointer<Int>?
) -> Int32 {
    status {
        let reader = try object(reader, "reader", as: RunReader.self)
        let buffer = try output(buffer, capacity: capacity, "buf", "capacity")
        let length = try required(length, "length")
        let keys = reader.keys
        guard index >= 0, index < keys.count else {
            throw HistlogError.notFound("no key at index \(UInt(bitPattern: index)): the reader has \(keys.count) keys")
        }
        try copy(keys[index], to: buffer, length: length)
    }
}

/// `hl_reader_record_count`: `RunReader.history(key:).count`.
@_cdecl("hl_reader_record_count")
public func hl_reader_record_count(_ reader: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    status {
        let reader = try object(reader, "reader", as: RunReader.self)
        let key = try text(key, "key")
        let count = try required(count, "count")
        count.pointee = try reader.history(key: key).count
    }
}

/// `hl_reader_find`: the position in `RunReader.history(key:)` of the record
/// `RunReader.record(key:step:)` returns (the last with that step).
@_cdecl("hl_reader_find")
public func hl_reader_find(
    _ reader: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64, _ index: UnsafeMutablePointer<Int>?
) -> Int32 {
    status {
        let reader = try object(reader, "reader", as: RunReader.self)
        let key = try text(key, "key")
        let index = try required(index, "index")
        guard let found = try reader.history(key: key).lastIndex(where: { $0.step == step }) else {
            throw HistlogError.notFound("key \"\(key)\" has no record at step \(step)")
        }
        index.pointee = found
    }
}

/// `hl_reader_record`: `RunReader.history(key:)[index]`: its header into `*info`, its histogram
/// into the caller's buffers.
@_cdecl("hl_reader_record")
public func hl_reader_record(
    _ reader: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ index: Int, _ info: UnsafeMutablePointer<hl_record_info>?,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int
) -> Int32 {
    status {
        let reader = try object(reader, "reader", as: RunReader.self)
        let key = try text(key, "key")
        let info = try required(info, "info")
        let edges = try output(edges, capacity: edgesCapacity, "edges", "edges_capacity")
        let counts = try output(counts, capacity: countsCapacity, "counts", "counts_capacity")
        let history = try reader.history(key: key)
        guard index >= 0, index < history.count else {
            throw HistlogError.notFound("key \"\(key)\" has no record at index \(UInt(bitPattern: index)): it has \(history.count)")
        }
        let record = history[index]
        info.pointee = hl_record_info(
            step: record.step, timestamp: record.timestamp,
            n_bins: record.summary.histogram.binCount, stats: try hl_stats(record.summary))
        try copy(record.summary.histogram, edges: edges, counts: counts)
    }
}
