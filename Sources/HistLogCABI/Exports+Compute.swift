import CHistLog
import HistLog

/// `hl_bin_config_init`: `BinConfig()` and `StatisticsOptions()` as an `hl_bin_config`.
@_cdecl("hl_bin_config_init")
public func hl_bin_config_init(_ config: UnsafeMutablePointer<hl_bin_config>?) {
    config?.pointee = .defaults
}

/// `hl_compute_f32`: `HistogramSummary(values:bins:options:)` over the caller's floats.
@_cdecl("hl_compute_f32")
public func hl_compute_f32(
    _ values: UnsafePointer<Float>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int,
    _ nBins: UnsafeMutablePointer<Int>?, _ stats: UnsafeMutablePointer<hl_stats>?
) -> Int32 {
    status {
        let values = try input(values, count: n, "values", "n")
        let edges = try output(edges, capacity: edgesCapacity, "edges", "edges_capacity")
        let counts = try output(counts, capacity: countsCapacity, "counts", "counts_capacity")
        let nBins = try required(nBins, "n_bins")
        let (bins, options) = try hl_bin_config.translate(config)
        guard let stats else {
            // No statistics wanted: the histogram alone is two passes instead of three.
            try options.validate()
            let histogram = try ValueHistogram(values: values, bins: bins)
            nBins.pointee = histogram.histogram.binCount
            try copy(histogram.histogram, edges: edges, counts: counts)
            return
        }
        let summary = try HistogramSummary(values: values, bins: bins, options: options)
        let statistics = try hl_stats(summary)
        nBins.pointee = summary.histogram.binCount
        try copy(summary.histogram, edges: edges, counts: counts)
        stats.pointee = statistics
    }
}

/// `hl_compute_f64`: `HistogramSummary(values:bins:options:)` over the caller's doubles.
@_cdecl("hl_compute_f64")
public func hl_compute_f64(
    _ values: UnsafePointer<Double>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int,
    _ nBins: UnsafeMutablePointer<Int>?, _ stats: UnsafeMutablePointer<hl_stats>?
) -> Int32 {
    status {
        let values = try input(values, count: n, "values", "n")
        let edges = try output(edges, capacity: edgesCapacity, "edges", "edges_capacity")
        let counts = try output(counts, capacity: countsCapacity, "counts", "counts_capacity")
        let nBins = try required(nBins, "n_bins")
        let (bins, options) = try hl_bin_config.translate(config)
        guard let stats else {
            // No statistics wanted: the histogram alone is two passes instead of three.
            try options.validate()
            let histogram = try ValueHistogram(values: values, bins: bins)
            nBins.pointee = histogram.histogram.binCount
            try copy(histogram.histogram, edges: edges, counts: counts)
            return
        }
        let summary = try HistogramSummary(values: values, bins: bins, options: options)
        let statistics = try hl_stats(summary)
        nBins.pointee = summary.histogram.binCount
        try copy(summary.histogram, edges: edges, counts: counts)
        stats.pointee = statistics
    }
}

/// `hl_histogram_f32`: `ValueHistogram(values:bins:)` over the caller's floats.
@_cdecl("hl_histogram_f32")
public func hl_histogram_f32(
    _ values: UnsafePointer<Float>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int,
    _ nBins: UnsafeMutablePointer<Int>?, _ totals: UnsafeMutablePointer<hl_histogram_totals>?
) -> Int32 {
    status {
        let values = try input(values, count: n, "values", "n")
        let edges = try output(edges, capacity: edgesCapacity, "edges", "edges_capacity")
        let counts = try output(counts, capacity: countsCapacity, "counts", "counts_capacity")
        let nBins = try required(nBins, "n_bins")
        let (bins, options) = try hl_bin_config.translate(config)
        try options.validate()
        let histogram = try ValueHistogram(values: values, bins: bins)
        nBins.pointee = histogram.histogram.binCount
        try copy(histogram.histogram, edges: edges, counts: counts)
        totals?.pointee = hl_histogram_totals(histogram)
    }
}

/// `hl_histogram_f64`: `ValueHistogram(values:bins:)` over the caller's doubles.
@_cdecl("hl_histogram_f64")
public func hl_histogram_f64(
    _ values: UnsafePointer<Double>?, _ n: Int, _ config: UnsafePointer<hl_bin_config>?,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int,
    _ nBins: UnsafeMutablePointer<Int>?, _ totals: UnsafeMutablePointer<hl_histogram_totals>?
) -> Int32 {
    status {
        let values = try input(values, count: n, "values", "n")
        let edges = try output(edges, capacity: edgesCapacity, "edges", "edges_capacity")
        let counts = try output(counts, capacity: countsCapacity, "counts", "counts_capacity")
        let nBins = try required(nBins, "n_bins")
        let (bins, options) = try hl_bin_config.translate(config)
        try options.validate()
        let histogram = try ValueHistogram(values: values, bins: bins)
        nBins.pointee = histogram.histogram.binCount
        try copy(histogram.histogram, edges: edges, counts: counts)
        totals?.pointee = hl_histogram_totals(histogram)
    }
}

/// `hl_set_max_threads`: `EngineThreads.setMaximum(_:)`.
@_cdecl("hl_set_max_threads")
public func hl_set_max_threads(_ threads: Int32) -> Int32 {
    Int32(clamping: EngineThreads.setMaximum(Int(threads)))
}
