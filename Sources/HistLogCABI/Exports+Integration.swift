import CHistLog
import HistLog

// Exports for programs that also log other TensorBoard data, or forward records elsewhere.

/// `hl_log_tensorboard_histogram`: `HistogramLogger.log(key:step:tensorBoardHistogram:timestamp:)`;
/// a NaN timestamp means now.
@_cdecl("hl_log_tensorboard_histogram")
public func hl_log_tensorboard_histogram(
    _ run: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64, _ timestamp: Double,
    _ histogram: UnsafePointer<hl_tensorboard_histogram>?
) -> Int32 {
    status {
        let logger = try object(run, "run", as: HistogramLogger.self)
        let key = try text(key, "key")
        let given = try required(histogram, "histogram").pointee
        let histogram = TensorBoardHistogram(
            min: given.min, max: given.max, num: given.num, sum: given.sum, sumSquares: given.sum_squares,
            bucketLimits: Array(try input(given.bucket_limits, count: given.n_buckets, "histogram.bucket_limits", "histogram.n_buckets")),
            bucketCounts: Array(try input(given.bucket_counts, count: given.n_buckets, "histogram.bucket_counts", "histogram.n_buckets")))
        try logger.log(key: key, step: step, tensorBoardHistogram: histogram, timestamp: unixTime(timestamp))
    }
}

/// `hl_log_tensorboard_event`: `HistogramLogger.logTensorBoardEvent(_:)`.
@_cdecl("hl_log_tensorboard_event")
public func hl_log_tensorboard_event(_ run: OpaquePointer?, _ event: UnsafeRawPointer?, _ n: Int) -> Int32 {
    status {
        let logger = try object(run, "run", as: HistogramLogger.self)
        let bytes = try input(event?.assumingMemoryBound(to: UInt8.self), count: n, "event", "n")
        try logger.logTensorBoardEvent(Array(bytes))
    }
}

/// `hl_run_set_record_callback`: `HistogramLogger.observeRecords(_:)` with a C function.
@_cdecl("hl_run_set_record_callback")
public func hl_run_set_record_callback(
    _ run: OpaquePointer?, _ callback: hl_record_callback?, _ context: UnsafeMutableRawPointer?
) -> Int32 {
    status {
        let logger = try object(run, "run", as: HistogramLogger.self)
        guard let callback else {
            logger.observeRecords(nil)
            return
        }
        let context = CallbackContext(pointer: context)
        logger.observeRecords { record in
            guard let stats = try? hl_stats(record.summary) else { return }
            var info = hl_record_info(step: record.step, timestamp: record.timestamp, n_bins: record.summary.histogram.binCount, stats: stats)
            record.key.withCString { key in
                record.summary.histogram.edges.withUnsafeBufferPointer { edges in
                    record.summary.histogram.counts.withUnsafeBufferPointer { counts in
                        callback(context.pointer, key, &info, edges.baseAddress, counts.baseAddress)
                    }
                }
            }
        }
    }
}

/// The caller's context pointer, handed back to its callback on whichever thread logs.
private struct CallbackContext: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer?
}
