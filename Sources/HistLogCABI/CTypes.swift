import CHistLog
import HistLog

// The header's structs, field by field, to and from the engine's types. No defaults are made
// up here: a NULL struct means the engine's own defaults, and the engine checks every value.

extension BinScale {
    /// An `hl_scale` value.
    init(_ scale: Int32) throws {
        switch UInt32(bitPattern: scale) {
        case HL_SCALE_LINEAR.rawValue: self = .linear
        case HL_SCALE_LOG.rawValue: self = .logarithmic
        case HL_SCALE_AUTO.rawValue: self = .automatic
        default:
            throw Failure.invalid("hl_bin_config.scale must be HL_SCALE_LINEAR, HL_SCALE_LOG or HL_SCALE_AUTO, got \(scale)")
        }
    }

    var cValue: Int32 {
        switch self {
        case .linear: Int32(bitPattern: HL_SCALE_LINEAR.rawValue)
        case .logarithmic: Int32(bitPattern: HL_SCALE_LOG.rawValue)
        case .automatic: Int32(bitPattern: HL_SCALE_AUTO.rawValue)
        }
    }
}

extension hl_bin_config {
    /// The engine's defaults (`BinConfig()`, `StatisticsOptions()`).
    static var defaults: hl_bin_config {
        let bins = BinConfig()
        let options = StatisticsOptions()
        var config = hl_bin_config()
        config.size = UInt32(MemoryLayout<hl_bin_config>.size)
        config.bins = Int32(clamping: bins.bins)
        config.scale = bins.scale.cValue
        config.has_range = bins.range == nil ? 0 : 1
        config.range_lo = bins.range?.lower ?? 0
        config.range_hi = bins.range?.upper ?? 0
        config.outlier_threshold = options.outlierThreshold
        config.zero_tolerance = options.zeroTolerance
        return config
    }

    /// The bin layout and statistics options of `config`; NULL gives the engine's defaults.
    static func translate(_ config: UnsafePointer<hl_bin_config>?) throws -> (BinConfig, StatisticsOptions) {
        guard let pointer = config else { return (BinConfig(), StatisticsOptions()) }
        let config = try sized(pointer, "hl_bin_config.size")
        var edges: [Double]?
        if config.edges != nil || config.n_edges != 0 {
            edges = Array(try input(config.edges, count: config.n_edges, "hl_bin_config.edges", "hl_bin_config.n_edges"))
        }
        let bins = BinConfig(
            bins: Int(config.bins),
            scale: try BinScale(config.scale),
            range: config.has_range != 0 ? (lower: config.range_lo, upper: config.range_hi) : nil,
            edges: edges)
        let options = StatisticsOptions(outlierThreshold: config.outlier_threshold, zeroTolerance: config.zero_tolerance)
        return (bins, options)
    }
}

extension hl_stats {
    /// The statistics of `summary`, with its histogram's under/overflow counts.
    init(_ summary: HistogramSummary) throws {
        let statistics = summary.statistics
        let quantiles = statistics.quantiles
        guard quantiles.count == Int(HL_NUM_QUANTILES) else {
            throw Failure(status: HL_EINTERNAL, message: "internal error: \(quantiles.count) quantiles, expected \(HL_NUM_QUANTILES)")
        }
        self.init()
        total_count = Int64(statistics.totalCount)
        nan_count = Int64(statistics.nanCount)
        inf_count = Int64(statistics.infCount)
        zero_count = statistics.zeroCount.map(Int64.init) ?? -1
        outlier_count = Int64(statistics.outlierCount)
        underflow_count = Int64(summary.histogram.underflow)
        overflow_count = Int64(summary.histogram.overflow)
        min = statistics.min
        max = statistics.max
        sum = statistics.sum
        sum_squares = statistics.sumOfSquares
        mean = statistics.mean
        std = statistics.standardDeviation
        skewness = statistics.skewness
        kurtosis = statistics.kurtosis
        self.quantiles = (quantiles[0], quantiles[1], quantiles[2], quantiles[3], quantiles[4])
        median = statistics.median
        estimated = statistics.estimated.rawValue
    }
}

extension hl_histogram_totals {
    init(_ histogram: ValueHistogram) {
        self.init()
        total_count = Int64(histogram.totalCount)
        nan_count = Int64(histogram.nanCount)
        inf_count = Int64(histogram.infCount)
        underflow_count = Int64(histogram.histogram.underflow)
        overflow_count = Int64(histogram.histogram.overflow)
        min = histogram.min
        max = histogram.max
    }
}

/// Copies a histogram into caller buffers, or throws `HL_ESIZE` having written nothing.
func copy(_ histogram: Histogram, edges: UnsafeMutableBufferPointer<Double>, counts: UnsafeMutableBufferPointer<Double>) throws {
    guard edges.count >= histogram.edges.count else {
        throw Failure.size("edges", needs: histogram.edges.count, has: edges.count)
    }
    guard counts.count >= histogram.counts.count else {
        throw Failure.size("counts", needs: histogram.counts.count, has: counts.count)
    }
    _ = edges.update(fromContentsOf: histogram.edges)
    _ = counts.update(fromContentsOf: histogram.counts)
}

/// `text` as NUL-terminated UTF-8 in a caller buffer; `*length` gets its byte count either way.
/// HL_ESIZE when the buffer has no room for the text and its NUL (`hl_reader_key`, `hl_doctor`).
func copy(_ text: String, to buffer: UnsafeMutableBufferPointer<CChar>, length: UnsafeMutablePointer<Int>) throws {
    let utf8 = text.utf8
    length.pointee = utf8.count
    guard buffer.count > utf8.count else { throw Failure.size("buf", needs: utf8.count + 1, has: buffer.count) }
    let end = buffer.update(fromContentsOf: utf8.lazy.map { CChar(bitPattern: $0) })
    buffer[end] = 0
}
