import CHistLog
import HistLog

// An `hl_run *` is an `Unmanaged<HistogramLogger>` holding one reference, released by hl_run_close.

/// `hl_run_options_init`: `LoggerOptions()` as an `hl_run_options`.
@_cdecl("hl_run_options_init")
public func hl_run_options_init(_ options: UnsafeMutablePointer<hl_run_options>?, _ size: Int) -> Int32 {
    status {
        let options = try required(options, "options")
        try checkSize(size, of: hl_run_options.self, "size")
        options.pointee = .defaults
    }
}

/// `hl_run_open`: `HistogramLogger(runDirectory:)`.
@_cdecl("hl_run_open")
public func hl_run_open(_ dir: UnsafePointer<CChar>?) -> OpaquePointer? {
    var run: OpaquePointer?
    _ = hl_run_open_with(&run, dir, nil)
    return run
}

/// `hl_run_open_with`: `HistogramLogger(runDirectory:options:)`.
@_cdecl("hl_run_open_with")
public func hl_run_open_with(
    _ out: UnsafeMutablePointer<OpaquePointer?>?, _ dir: UnsafePointer<CChar>?, _ options: UnsafePointer<hl_run_options>?
) -> Int32 {
    status {
        let out = try required(out, "out")
        out.pointee = nil
        let dir = try text(dir, "dir")
        let options = try LoggerOptions(options)
        out.pointee = retainedHandle(try HistogramLogger(runDirectory: dir, options: options))
    }
}

/// `hl_log_values_f32`: `HistogramLogger.log(key:step:values:bins:options:timestamp:)`.
@_cdecl("hl_log_values_f32")
public func hl_log_values_f32(
    _ run: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64,
    _ values: UnsafePointer<Float>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?
) -> Int32 {
    logValues(run, key, step, timestamp: nil, values, n, config)
}

/// `hl_log_values_f64`: `HistogramLogger.log(key:step:values:bins:options:timestamp:)`.
@_cdecl("hl_log_values_f64")
public func hl_log_values_f64(
    _ run: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64,
    _ values: UnsafePointer<Double>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?
) -> Int32 {
    logValues(run, key, step, timestamp: nil, values, n, config)
}

/// `hl_log_values_f32_at`: `HistogramLogger.log(key:step:values:bins:options:timestamp:)`; a NaN timestamp means now.
@_cdecl("hl_log_values_f32_at")
public func hl_log_values_f32_at(
    _ run: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64, _ timestamp: Double,
    _ values: UnsafePointer<Float>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?
) -> Int32 {
    logValues(run, key, step, timestamp: unixTime(timestamp), values, n, config)
}

/// `hl_log_values_f64_at`: `HistogramLogger.log(key:step:values:bins:options:timestamp:)`; a NaN timestamp means now.
@_cdecl("hl_log_values_f64_at")
public func hl_log_values_f64_at(
    _ run: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64, _ timestamp: Double,
    _ values: UnsafePointer<Double>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?
) -> Int32 {
    logValues(run, key, step, timestamp: unixTime(timestamp), values, n, config)
}

/// `hl_log_values_bf16`: `HistogramLogger.log(key:step:values:bins:options:timestamp:)` over bfloat16 values.
@_cdecl("hl_log_values_bf16")
public func hl_log_values_bf16(
    _ run: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64,
    _ values: UnsafePointer<UInt16>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?
) -> Int32 {
    logValues(run, key, step, timestamp: nil, bfloat16(values), n, config)
}

/// `hl_log_values_bf16_at`: as `hl_log_values_bf16`, with a timestamp (NaN means now).
@_cdecl("hl_log_values_bf16_at")
public func hl_log_values_bf16_at(
    _ run: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64, _ timestamp: Double,
    _ values: UnsafePointer<UInt16>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?
) -> Int32 {
    logValues(run, key, step, timestamp: unixTime(timestamp), bfloat16(values), n, config)
}

/// `hl_log_counts`: `HistogramLogger.log(key:step:edges:counts:)`.
@_cdecl("hl_log_counts")
public func hl_log_counts(
    _ run: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64,
    _ edges: UnsafePointer<Double>?, _ nEdges: Int, _ counts: UnsafePointer<Double>?, _ nCounts: Int
) -> Int32 {
    logCounts(run, key, step, timestamp: nil, edges, nEdges, counts, nCounts)
}

/// `hl_log_counts_at`: `HistogramLogger.log(key:step:edges:counts:timestamp:)`; a NaN timestamp means now.
@_cdecl("hl_log_counts_at")
public func hl_log_counts_at(
    _ run: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64, _ timestamp: Double,
    _ edges: UnsafePointer<Double>?, _ nEdges: Int, _ counts: UnsafePointer<Double>?, _ nCounts: Int
) -> Int32 {
    logCounts(run, key, step, timestamp: unixTime(timestamp), edges, nEdges, counts, nCounts)
}

/// `hl_log_reduced`: `HistogramSummary(edges:counts:moments:zeroCount:nanCount:infCount:)`
/// logged with `HistogramLogger.log(key:step:summary:timestamp:)`; a NaN timestamp means now.
@_cdecl("hl_log_reduced")
public func hl_log_reduced(
    _ run: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64, _ timestamp: Double,
    _ edges: UnsafePointer<Double>?, _ nEdges: Int, _ counts: UnsafePointer<Double>?, _ nCounts: Int,
    _ moments: UnsafePointer<hl_moments>?
) -> Int32 {
    status {
        let logger = try object(run, "run", as: HistogramLogger.self)
        let key = try text(key, "key")
        let edges = Array(try input(edges, count: nEdges, "edges", "n_edges"))
        let counts = Array(try input(counts, count: nCounts, "counts", "n_counts"))
        let reduced = try ReducedMoments(try required(moments, "moments").pointee, "moments")
        let summary = try HistogramSummary(
            edges: edges, counts: counts, moments: reduced.moments,
            zeroCount: reduced.zeroCount, nanCount: reduced.nanCount, infCount: reduced.infCount)
        try logger.log(key: key, step: step, summary: summary, timestamp: unixTime(timestamp))
    }
}

/// `hl_log_reduced_histogram`: `HistogramSummary(histogram:moments:zeroCount:nanCount:infCount:fine:)`
/// logged with `HistogramLogger.log(key:step:summary:timestamp:)`; a NaN timestamp means now.
@_cdecl("hl_log_reduced_histogram")
public func hl_log_reduced_histogram(
    _ run: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64, _ timestamp: Double,
    _ histogram: UnsafePointer<hl_reduced_histogram>?
) -> Int32 {
    status {
        let logger = try object(run, "run", as: HistogramLogger.self)
        let key = try text(key, "key")
        let reduced = try required(histogram, "histogram").pointee
        let moments = try ReducedMoments(reduced.moments, "histogram.moments")
        let fineEdges = try input(reduced.fine_edges, count: reduced.n_fine_edges, "histogram.fine_edges", "histogram.n_fine_edges")
        let fineCounts = try input(reduced.fine_counts, count: reduced.n_fine_counts, "histogram.fine_counts", "histogram.n_fine_counts")
        let fine = fineEdges.isEmpty && fineCounts.isEmpty ? nil : Histogram(edges: Array(fineEdges), counts: Array(fineCounts))
        let summary = try HistogramSummary(
            histogram: Histogram(
                edges: Array(try input(reduced.edges, count: reduced.n_edges, "histogram.edges", "histogram.n_edges")),
                counts: Array(try input(reduced.counts, count: reduced.n_counts, "histogram.counts", "histogram.n_counts")),
                underflow: try integer(reduced.underflow_count, "histogram.underflow_count"),
                overflow: try integer(reduced.overflow_count, "histogram.overflow_count")),
            moments: moments.moments, zeroCount: moments.zeroCount, nanCount: moments.nanCount, infCount: moments.infCount,
            fine: fine)
        try logger.log(key: key, step: step, summary: summary, timestamp: unixTime(timestamp))
    }
}

/// An `hl_moments` as the engine's values, its counts checked.
private struct ReducedMoments {
    let moments: Moments
    let zeroCount: Int?
    let nanCount: Int
    let infCount: Int

    init(_ c: hl_moments, _ name: String) throws {
        moments = Moments(
            count: try integer(c.count, "\(name).count"), mean: c.mean, m2: c.m2, m3: c.m3, m4: c.m4, min: c.min, max: c.max)
        zeroCount = c.zero_count == -1 ? nil : try integer(c.zero_count, "\(name).zero_count")
        nanCount = try integer(c.nan_count, "\(name).nan_count")
        infCount = try integer(c.inf_count, "\(name).inf_count")
    }
}

/// `hl_run_flush`: `HistogramLogger.flush()`.
@_cdecl("hl_run_flush")
public func hl_run_flush(_ run: OpaquePointer?) -> Int32 {
    status { try object(run, "run", as: HistogramLogger.self).flush() }
}

/// `hl_run_close`: `HistogramLogger.close()`, then the handle's reference is released. A failure
/// to flush is recorded for `hl_last_error()`, the only place a `void` function can report it.
@_cdecl("hl_run_close")
public func hl_run_close(_ run: OpaquePointer?) {
    guard let run else { return }
    let logger = release(run, as: HistogramLogger.self)
    _ = status { try logger.close() }
}

/// The body of `hl_log_values_*`.
private func logValues<Value: CValue>(
    _ run: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64, timestamp: Double?,
    _ values: UnsafePointer<Value>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?
) -> Int32 {
    status {
        let logger = try object(run, "run", as: HistogramLogger.self)
        let key = try text(key, "key")
        let values = try input(values, count: n, "values", "n")
        let (bins, options) = try hl_bin_config.translate(config)
        try Value.engine.log(logger)(key, step, values, bins, options, timestamp)
    }
}

/// The body of `hl_log_counts` and `hl_log_counts_at`.
private func logCounts(
    _ run: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ step: Int64, timestamp: Double?,
    _ edges: UnsafePointer<Double>?, _ nEdges: Int, _ counts: UnsafePointer<Double>?, _ nCounts: Int
) -> Int32 {
    status {
        let logger = try object(run, "run", as: HistogramLogger.self)
        let key = try text(key, "key")
        let edges = Array(try input(edges, count: nEdges, "edges", "n_edges"))
        let counts = Array(try input(counts, count: nCounts, "counts", "n_counts"))
        try logger.log(key: key, step: step, edges: edges, counts: counts, timestamp: timestamp)
    }
}

extension LoggerOptions {
    /// The writer options of `options`; NULL gives the engine's defaults.
    init(_ options: UnsafePointer<hl_run_options>?) throws {
        self.init()
        guard let options = options?.pointee else { return }
        try checkSize(Int(options.size), of: hl_run_options.self, "hl_run_options.size")
        let known = UInt32(HL_SINK_ALL)
        guard options.sinks != 0, options.sinks & ~known == 0 else {
            throw Failure.invalid("hl_run_options.sinks must be a nonzero combination of HL_SINK_JSON and HL_SINK_TENSORBOARD, got \(options.sinks)")
        }
        json = options.sinks & UInt32(HL_SINK_JSON) != 0
        tensorBoard = options.sinks & UInt32(HL_SINK_TENSORBOARD) != 0
        queueCapacity = Int(options.queue_capacity)
        durable = options.durable != 0
    }
}

extension hl_run_options {
    /// The engine's defaults (`LoggerOptions()`), at this header's size.
    static var defaults: hl_run_options {
        let defaults = LoggerOptions()
        var options = hl_run_options()
        options.size = UInt32(MemoryLayout<hl_run_options>.size)
        options.sinks = (defaults.json ? UInt32(HL_SINK_JSON) : 0) | (defaults.tensorBoard ? UInt32(HL_SINK_TENSORBOARD) : 0)
        options.queue_capacity = UInt32(clamping: defaults.queueCapacity)
        options.durable = defaults.durable ? 1 : 0
        return options
    }
}
