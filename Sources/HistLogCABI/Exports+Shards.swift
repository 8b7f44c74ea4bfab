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
private func shardCounts<Value: CValue>(
    _ values: UnsafePointer<Value>?, _ n: Int, _ edges: UnsafePointer<Double>?, _ nEdges: Int,
    _ lower: Double, _ upper: Double, _ subdivisions: Int32, _ zeroTolerance: Double,
    _ out: UnsafeMutablePointer<Double>?, _ outCapacity: Int
) -> Int32 {
    status {
        let values = try input(values, count: n, "values", "n")
        let layout = try layout(edges, nEdges, lower, upper, subdivisions)
        try deliver(try Value.engine.shardCounts(values, layout, zeroTolerance), out, outCapacity)
    }
}

/// The body of `hl_shard_sums_*`.
private func shardSums<Value: CValue>(
    _ values: UnsafePointer<Value>?, _ n: Int, _ edges: UnsafePointer<Double>?, _ nEdges: Int,
    _ lower: Double, _ upper: Double, _ subdivisions: Int32, _ shift: Double,
    _ zoomed: UnsafePointer<Int64>?, _ nZoomed: Int, _ parts: Int32,
    _ out: UnsafeMutablePointer<Double>?, _ outCapacity: Int
) -> Int32 {
    status {
        let values = try input(values, count: n, "values", "n")
        let layout = try layout(edges, nEdges, lower, upper, subdivisions)
        let zoomed = try input(zoomed, count: nZoomed, "zoomed", "n_zoomed").map { Int(truncatingIfNeeded: $0) }
        try deliver(try Value.engine.shardSums(values, layout, shift, zoomed, Int(parts)), out, outCapacity)
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
