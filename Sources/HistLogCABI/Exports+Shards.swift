import CHistLog
import HistLog

// A shard's share of a reduction over processes: `ShardReduction` over the caller's values.

/// The `SubBinLayout` of the C arguments; NaN bounds mean "no finite value anywhere".
private func layout(_ edges: UnsafePointer<Double>?, _ nEdges: Int, _ lower: Double, _ upper: Double, _ subdivisions: Int32) throws -> SubBinLayout {
    try SubBinLayout(
        edges: Array(try input(edges, count: nEdges, "edges", "n_edges")),
        lower: lower.isNaN ? nil : lower, upper: upper.isNaN ? nil : upper, subdivisions: Int(subdivisions))
}

/// Copies `vector` into the caller's `out`, or reports the size it needs (HL_ESIZE).
private func deliver(_ vector: [Double], _ out: UnsafeMutablePointer<Double>?, _ capacity: Int) throws {
    let buffer = try output(out, capacity: capacity, "out", "out_capacity")
    guard buffer.count >= vector.count else {
        throw Failure(status: HL_ESIZE, message: "out needs \(vector.count) doubles, out_capacity is \(buffer.count)")
    }
    _ = buffer.initialize(from: vector)
}

/// The body of `hl_shard_counts_*`.
private func shardCounts<Value: CShardValue>(
    _ values: UnsafePointer<Value>?, _ n: Int, _ edges: UnsafePointer<Double>?, _ nEdges: Int,
    _ lower: Double, _ upper: Double, _ subdivisions: Int32, _ zeroTolerance: Double,
    _ out: UnsafeMutablePointer<Double>?, _ outCapacity: Int
) -> Int32 {
    status {
        let values = try input(values, count: n, "values", "n")
        let layout = try layout(edges, nEdges, lower, upper, subdivisions)
        try deliver(try Value.shards.counts(values, layout, zeroTolerance), out, outCapacity)
    }
}

/// The body of `hl_shard_sums_*`.
private func shardSums<Value: CShardValue>(
    _ values: UnsafePointer<Value>?, _ n: Int, _ edges: UnsafePointer<Double>?, _ nEdges: Int,
    _ lower: Double, _ upper: Double, _ subdivisions: Int32, _ shift: Double,
    _ zoomed: UnsafePointer<Int64>?, _ nZoomed: Int, _ parts: Int32,
    _ out: UnsafeMutablePointer<Double>?, _ outCapacity: Int
) -> Int32 {
    status {
        let values = try input(values, count: n, "values", "n")
        let layout = try layout(edges, nEdges, lower, upper, subdivisions)
        let zoomed = try input(zoomed, count: nZoomed, "zoomed", "n_zoomed").map { Int(truncatingIfNeeded: $0) }
        try deliver(try Value.shards.sums(values, layout, shift, zoomed, Int(parts)), out, outCapacity)
    }
}

/// `hl_shard_counts_f32`: `ShardReduction.counts` over the caller's floats.
@_cdecl("hl_shard_counts_f32")
public func hl_shard_counts_f32(
    _ values: UnsafePointer<Float>?, _ n: Int, _ edges: UnsafePointer<Double>?, _ nEdges: Int,
    _ lower: Double, _ upper: Double, _ subdivisions: Int32, _ zeroTolerance: Double,
    _ out: UnsafeMutablePointer<Double>?, _ outCapacity: Int
) -> Int32 {
    shardCounts(values, n, edges, nEdges, lower, upper, subdivisions, zeroTolerance, out, outCapacity)
}

/// `hl_shard_counts_f64`: `ShardReduction.counts` over the caller's doubles.
@_cdecl("hl_shard_counts_f64")
public func hl_shard_counts_f64(
    _ values: UnsafePointer<Double>?, _ n: Int, _ edges: UnsafePointer<Double>?, _ nEdges: Int,
    _ lower: Double, _ upper: Double, _ subdivisions: Int32, _ zeroTolerance: Double,
    _ out: UnsafeMutablePointer<Double>?, _ outCapacity: Int
) -> Int32 {
    shardCounts(values, n, edges, nEdges, lower, upper, subdivisions, zeroTolerance, out, outCapacity)
}

/// `hl_shard_sums_f32`: `ShardReduction.sums` over the caller's floats.
@_cdecl("hl_shard_sums_f32")
public func hl_shard_sums_f32(
    _ values: UnsafePointer<Float>?, _ n: Int, _ edges: UnsafePointer<Double>?, _ nEdges: Int,
    _ lower: Double, _ upper: Double, _ subdivisions: Int32, _ shift: Double,
    _ zoomed: UnsafePointer<Int64>?, _ nZoomed: Int, _ parts: Int32,
    _ out: UnsafeMutablePointer<Double>?, _ outCapacity: Int
) -> Int32 {
    shardSums(values, n, edges, nEdges, lower, upper, subdivisions, shift, zoomed, nZoomed, parts, out, outCapacity)
}

/// `hl_shard_sums_f64`: `ShardReduction.sums` over the caller's doubles.
@_cdecl("hl_shard_sums_f64")
public func hl_shard_sums_f64(
    _ values: UnsafePointer<Double>?, _ n: Int, _ edges: UnsafePointer<Double>?, _ nEdges: Int,
    _ lower: Double, _ upper: Double, _ subdivisions: Int32, _ shift: Double,
    _ zoomed: UnsafePointer<Int64>?, _ nZoomed: Int, _ parts: Int32,
    _ out: UnsafeMutablePointer<Double>?, _ outCapacity: Int
) -> Int32 {
    shardSums(values, n, edges, nEdges, lower, upper, subdivisions, shift, zoomed, nZoomed, parts, out, outCapacity)
}

/// `hl_auto_scale_threshold`: `BinScale.automaticSmallMagnitude(largest:)`.
@_cdecl("hl_auto_scale_threshold")
public func hl_auto_scale_threshold(_ largestMagnitude: Double, _ threshold: UnsafeMutablePointer<Double>?) -> Int32 {
    status {
        let threshold = try required(threshold, "threshold")
        guard largestMagnitude >= 0, largestMagnitude.isFinite else {
            throw Failure.invalid("largest_magnitude must be finite and >= 0, got \(largestMagnitude)")
        }
        threshold.pointee = BinScale.automaticSmallMagnitude(largest: largestMagnitude)
    }
}

/// `hl_auto_scale`: `BinScale.automatic(nonzeroCount:smallCount:)` as an `hl_scale` value.
@_cdecl("hl_auto_scale")
public func hl_auto_scale(_ nonzeroCount: Int64, _ smallCount: Int64, _ scale: UnsafeMutablePointer<Int32>?) -> Int32 {
    status {
        let scale = try required(scale, "scale")
        scale.pointee = try BinScale.automatic(
            nonzeroCount: try integer(nonzeroCount, "nonzero_count"), smallCount: try integer(smallCount, "small_count")).cValue
    }
}

/// `hl_moments_from_sums`: `Moments(count:shift:powerSums:min:max:)` into the count, mean and
/// central sums of `*moments`.
@_cdecl("hl_moments_from_sums")
public func hl_moments_from_sums(
    _ count: Int64, _ shift: Double, _ sums: UnsafePointer<Double>?, _ nSums: Int, _ moments: UnsafeMutablePointer<hl_moments>?
) -> Int32 {
    status {
        let sums = Array(try input(sums, count: nSums, "sums", "n_sums"))
        guard sums.count == 4 else { throw Failure.invalid("n_sums must be 4 (S1 ... S4), got \(sums.count)") }
        let out = try required(moments, "moments")
        let result = try Moments(count: try integer(count, "count"), shift: shift, powerSums: sums, min: .nan, max: .nan)
        out.pointee.count = Int64(result.count)
        out.pointee.mean = result.mean
        out.pointee.m2 = result.m2
        out.pointee.m3 = result.m3
        out.pointee.m4 = result.m4
    }
}

/// `hl_sub_bin_layout`: `SubBinLayout(edges:lower:upper:subdivisions: SubBinLayout.subdivisions(binCount:))`'s
/// bounds, scales and sub-bin edges, with `SubBinLayout.zoomParts`.
@_cdecl("hl_sub_bin_layout")
public func hl_sub_bin_layout(
    _ edges: UnsafePointer<Double>?, _ nEdges: Int, _ lower: Double, _ upper: Double,
    _ subdivisions: UnsafeMutablePointer<Int32>?, _ zoomParts: UnsafeMutablePointer<Int32>?,
    _ bounds: UnsafeMutablePointer<Double>?, _ boundsCapacity: Int,
    _ scales: UnsafeMutablePointer<Double>?, _ scalesCapacity: Int,
    _ subEdges: UnsafeMutablePointer<Double>?, _ subEdgesCapacity: Int
) -> Int32 {
    status {
        let subdivisions = try required(subdivisions, "subdivisions")
        let zoomParts = try required(zoomParts, "zoom_parts")
        let bounds = try output(bounds, capacity: boundsCapacity, "bounds", "bounds_capacity")
        let scales = try output(scales, capacity: scalesCapacity, "scales", "scales_capacity")
        let subEdges = try output(subEdges, capacity: subEdgesCapacity, "sub_edges", "sub_edges_capacity")
        let given = try size(nEdges, "n_edges")
        let layout = try layout(edges, nEdges, lower, upper, Int32(clamping: SubBinLayout.subdivisions(binCount: given - 1)))
        subdivisions.pointee = Int32(layout.subdivisions)
        zoomParts.pointee = Int32(SubBinLayout.zoomParts)
        let all = (layout.regionBounds, layout.regionScales, layout.subBinEdges)
        for (name, buffer, values) in [("bounds", bounds, all.0), ("scales", scales, all.1), ("sub_edges", subEdges, all.2)]
        where buffer.count < values.count {
            throw Failure.size(name, needs: values.count, has: buffer.count)
        }
        _ = bounds.update(fromContentsOf: all.0)
        _ = scales.update(fromContentsOf: all.1)
        _ = subEdges.update(fromContentsOf: all.2)
    }
}

/// `hl_quantile_sub_bins`: `SubBinLayout.quantileSubBins(_:count:)`.
@_cdecl("hl_quantile_sub_bins")
public func hl_quantile_sub_bins(
    _ subCounts: UnsafePointer<Double>?, _ nSubCounts: Int, _ count: Int64,
    _ subBins: UnsafeMutablePointer<Int64>?, _ capacity: Int, _ nSubBins: UnsafeMutablePointer<Int>?
) -> Int32 {
    status {
        let subCounts = Array(try input(subCounts, count: nSubCounts, "sub_counts", "n_sub_counts"))
        let out = try output(subBins, capacity: capacity, "sub_bins", "capacity")
        let n = try required(nSubBins, "n_sub_bins")
        let chosen = SubBinLayout.quantileSubBins(subCounts, count: try integer(count, "count"))
        n.pointee = chosen.count
        guard out.count >= chosen.count else { throw Failure.size("sub_bins", needs: chosen.count, has: out.count) }
        _ = out.update(fromContentsOf: chosen.map(Int64.init))
    }
}

/// `hl_fine_histogram`: `SubBinLayout.fineHistogram(subEdges:subCounts:zoomed:zoomCounts:parts:)`.
@_cdecl("hl_fine_histogram")
public func hl_fine_histogram(
    _ subEdges: UnsafePointer<Double>?, _ nSubEdges: Int, _ subCounts: UnsafePointer<Double>?, _ nSubCounts: Int,
    _ zoomed: UnsafePointer<Int64>?, _ nZoomed: Int, _ zoomCounts: UnsafePointer<Double>?, _ nZoomCounts: Int,
    _ parts: Int32,
    _ edges: UnsafeMutablePointer<Double>?, _ edgesCapacity: Int,
    _ counts: UnsafeMutablePointer<Double>?, _ countsCapacity: Int, _ nBins: UnsafeMutablePointer<Int>?
) -> Int32 {
    status {
        let histogram = try SubBinLayout.fineHistogram(
            subEdges: Array(try input(subEdges, count: nSubEdges, "sub_edges", "n_sub_edges")),
            subCounts: Array(try input(subCounts, count: nSubCounts, "sub_counts", "n_sub_counts")),
            zoomed: try input(zoomed, count: nZoomed, "zoomed", "n_zoomed").map { Int(truncatingIfNeeded: $0) },
            zoomCounts: Array(try input(zoomCounts, count: nZoomCounts, "zoom_counts", "n_zoom_counts")),
            parts: Int(parts))
        let edges = try output(edges, capacity: edgesCapacity, "edges", "edges_capacity")
        let counts = try output(counts, capacity: countsCapacity, "counts", "counts_capacity")
        try required(nBins, "n_bins").pointee = histogram.binCount
        try copy(histogram, edges: edges, counts: counts)
    }
}
