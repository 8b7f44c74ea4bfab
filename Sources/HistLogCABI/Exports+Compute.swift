import CHistLog
import HistLog

/// `hl_bin_config_init`: `BinConfig()` and `StatisticsOptions()` as an `hl_bin_config`.
@_cdecl("hl_bin_config_init")
public func hl_bin_config_init(_ config: UnsafeMutablePointer<hl_bin_config>?, _ size: Int) -> Int32 {
    status {
        let config = try required(config, "config")
        try checkSize(size, of: hl_bin_config.self, "size")
        config.pointee = .defaults
    }
}

/// `hl_compute_f32`: `ValueSummary(values:bins:options:statistics:)` over the caller's floats,
/// with statistics when `stats` is not NULL.
@_cdecl("hl_compute_f32")
public func hl_compute_f32(
    _ values: UnsafePointer<Float>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int,
    _ nBins: UnsafeMutablePointer<Int>?, _ stats: UnsafeMutablePointer<hl_stats>?
) -> Int32 {
    summarize(values, n, config, edges, edgesCapacity, counts, countsCapacity, nBins, stats: stats, totals: nil)
}

/// `hl_compute_f64`: `ValueSummary(values:bins:options:statistics:)` over the caller's doubles.
@_cdecl("hl_compute_f64")
public func hl_compute_f64(
    _ values: UnsafePointer<Double>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int,
    _ nBins: UnsafeMutablePointer<Int>?, _ stats: UnsafeMutablePointer<hl_stats>?
) -> Int32 {
    summarize(values, n, config, edges, edgesCapacity, counts, countsCapacity, nBins, stats: stats, totals: nil)
}

/// `hl_histogram_f32`: `ValueSummary(values:bins:options:statistics: false)` over the caller's floats.
@_cdecl("hl_histogram_f32")
public func hl_histogram_f32(
    _ values: UnsafePointer<Float>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int,
    _ nBins: UnsafeMutablePointer<Int>?, _ totals: UnsafeMutablePointer<hl_histogram_totals>?
) -> Int32 {
    summarize(values, n, config, edges, edgesCapacity, counts, countsCapacity, nBins, stats: nil, totals: totals)
}

/// `hl_histogram_f64`: `ValueSummary(values:bins:options:statistics: false)` over the caller's doubles.
@_cdecl("hl_histogram_f64")
public func hl_histogram_f64(
    _ values: UnsafePointer<Double>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int,
    _ nBins: UnsafeMutablePointer<Int>?, _ totals: UnsafeMutablePointer<hl_histogram_totals>?
) -> Int32 {
    summarize(values, n, config, edges, edgesCapacity, counts, countsCapacity, nBins, stats: nil, totals: totals)
}

/// `hl_compute_bf16`: `ValueSummary(values:bins:options:statistics:)` over the caller's bfloat16 values.
@_cdecl("hl_compute_bf16")
public func hl_compute_bf16(
    _ values: UnsafePointer<UInt16>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int,
    _ nBins: UnsafeMutablePointer<Int>?, _ stats: UnsafeMutablePointer<hl_stats>?
) -> Int32 {
    summarize(bfloat16(values), n, config, edges, edgesCapacity, counts, countsCapacity, nBins, stats: stats, totals: nil)
}

/// `hl_histogram_bf16`: `ValueSummary(values:bins:options:statistics: false)` over the caller's bfloat16 values.
@_cdecl("hl_histogram_bf16")
public func hl_histogram_bf16(
    _ values: UnsafePointer<UInt16>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int,
    _ nBins: UnsafeMutablePointer<Int>?, _ totals: UnsafeMutablePointer<hl_histogram_totals>?
) -> Int32 {
    summarize(bfloat16(values), n, config, edges, edgesCapacity, counts, countsCapacity, nBins, stats: nil, totals: totals)
}

/// The body of `hl_compute_*` and `hl_histogram_*`: statistics are asked of the engine only when
/// the caller has somewhere to put them.
private func summarize<Value: CValue>(
    _ values: UnsafePointer<Value>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int,
    _ nBins: UnsafeMutablePointer<Int>?, stats: UnsafeMutablePointer<hl_stats>?,
    totals: UnsafeMutablePointer<hl_histogram_totals>?
) -> Int32 {
    status {
        let values = try input(values, count: n, "values", "n")
        let edges = try output(edges, capacity: edgesCapacity, "edges", "edges_capacity")
        let counts = try output(counts, capacity: countsCapacity, "counts", "counts_capacity")
        let nBins = try required(nBins, "n_bins")
        let (bins, options) = try hl_bin_config.translate(config)
        let summary = try Value.engine.summary(values, bins, options, stats != nil)
        let statistics = try summary.statistics.map(hl_stats.init)
        nBins.pointee = summary.histogram.histogram.binCount
        try copy(summary.histogram.histogram, edges: edges, counts: counts)
        if let statistics { stats?.pointee = statistics }
        totals?.pointee = hl_histogram_totals(summary.histogram)
    }
}

/// `hl_set_max_threads`: `EngineThreads.setMaximum(_:)`.
@_cdecl("hl_set_max_threads")
public func hl_set_max_threads(_ threads: Int32) -> Int32 {
    Int32(clamping: EngineThreads.setMaximum(Int(threads)))
}
