import CHistLog
import HistLog

// An `hl_reader *` is an `Unmanaged<RunReader>` holding one reference, released by hl_reader_close.

/// `hl_reader_open`: `RunReader(path:)`.
@_cdecl("hl_reader_open")
public func hl_reader_open(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ path: UnsafePointer<CChar>?) -> Int32 {
    status {
        let out = try required(out, "out")
        out.pointee = nil
        out.pointee = retainedHandle(try RunReader(path: try text(path, "path")))
    }
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

/// `hl_reader_record_count`: `RunReader.recordCount(key:)`.
@_cdecl("hl_reader_record_count")
public func hl_reader_record_count(_ reader: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ count: UnsafeMutablePointer<Int>?) -> Int32 {
    status {
        let reader = try object(reader, "reader", as: RunReader.self)
        let key = try text(key, "key")
        let count = try required(count, "count")
        count.pointee = try reader.recordCount(key: key)
    }
}

/// `hl_reader_find`: `RunReader.position(key:step:)`, the position of the record
/// `RunReader.record(key:step:)` returns (the last with that step).
@_cdecl("hl_reader_find")
public func hl_reader_find(
    _ reader: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64, _ index: UnsafeMutablePointer<Int>?
) -> Int32 {
    status {
        let reader = try object(reader, "reader", as: RunReader.self)
        let key = try text(key, "key")
        let index = try required(index, "index")
        index.pointee = try reader.position(key: key, step: step)
    }
}

/// `hl_reader_record`: `RunReader.record(key:at:)`: its header into `*info`, its histogram into
/// the caller's buffers.
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
        let record = try reader.record(key: key, at: index)
        info.pointee = hl_record_info(
            step: record.step, timestamp: record.timestamp,
            n_bins: record.summary.histogram.binCount, stats: try hl_stats(record.summary))
        try copy(record.summary.histogram, edges: edges, counts: counts)
    }
}

/// `hl_reader_history`: `RunReader.historySize(key:)` for a size query (every array NULL),
/// else `RunReader.history(key:)` into the caller's arrays.
@_cdecl("hl_reader_history")
public func hl_reader_history(
    _ reader: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ capacity: Int,
    _ steps: UnsafeMutablePointer<Int64>?, _ timestamps: UnsafeMutablePointer<Double>?,
    _ binCounts: UnsafeMutablePointer<Int>?, _ stats: UnsafeMutablePointer<hl_stats>?,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int,
    _ count: UnsafeMutablePointer<Int>?, _ totalBins: UnsafeMutablePointer<Int>?
) -> Int32 {
    status {
        let reader = try object(reader, "reader", as: RunReader.self)
        let key = try text(key, "key")
        let capacity = try size(capacity, "capacity")
        let edges = try output(edges, capacity: edgesCapacity, "edges", "edges_capacity")
        let counts = try output(counts, capacity: countsCapacity, "counts", "counts_capacity")
        let count = try required(count, "count")
        let totalBins = try required(totalBins, "total_bins")
        let perRecord = steps != nil || timestamps != nil || binCounts != nil || stats != nil
        guard perRecord || edges.baseAddress != nil || counts.baseAddress != nil else {
            (count.pointee, totalBins.pointee) = try reader.historySize(key: key)
            return
        }
        let records = try reader.history(key: key)
        let bins = records.reduce(0) { $0 + $1.summary.histogram.binCount }
        count.pointee = records.count
        totalBins.pointee = bins
        if perRecord, capacity < records.count { throw Failure.size("capacity", needs: records.count, has: capacity) }
        if edges.baseAddress != nil, edges.count < bins + records.count {
            throw Failure.size("edges", needs: bins + records.count, has: edges.count)
        }
        if counts.baseAddress != nil, counts.count < bins { throw Failure.size("counts", needs: bins, has: counts.count) }
        var edgeIndex = 0, countIndex = 0
        for (index, record) in records.enumerated() {
            let histogram = record.summary.histogram
            steps?[index] = record.step
            timestamps?[index] = record.timestamp
            binCounts?[index] = histogram.binCount
            try stats.map { $0[index] = try hl_stats(record.summary) }
            if edges.baseAddress != nil {
                _ = UnsafeMutableBufferPointer(rebasing: edges[edgeIndex...]).update(fromContentsOf: histogram.edges)
                edgeIndex += histogram.edges.count
            }
            if counts.baseAddress != nil {
                _ = UnsafeMutableBufferPointer(rebasing: counts[countIndex...]).update(fromContentsOf: histogram.counts)
                countIndex += histogram.counts.count
            }
        }
    }
}
