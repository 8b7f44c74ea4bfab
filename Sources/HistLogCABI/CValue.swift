import HistLog

/// The element types of the `_f32` / `_f64` / `_bf16` exports (`float`, `double`, and bfloat16
/// as `uint16_t`). Each binds the engine's overloads for its type, so that one
/// generic body serves every export of a family.
protocol CValue {
    static var engine: EngineCalls<Self> { get }
}

/// The engine functions an export family calls, for one element type.
struct EngineCalls<Value> {
    let summary: (UnsafeBufferPointer<Value>, BinConfig, StatisticsOptions, Bool) throws -> ValueSummary
    let log: (HistogramLogger) -> (String, Int64, UnsafeBufferPointer<Value>, BinConfig, StatisticsOptions, Double?) throws -> Void
}

/// The element types of the `hl_shard_*` pairs (`float`, `double`).
protocol CShardValue {
    static var shards: ShardCalls<Self> { get }
}

/// The `ShardReduction` functions an `hl_shard_*` pair calls, for one element type.
struct ShardCalls<Value> {
    let counts: (UnsafeBufferPointer<Value>, SubBinLayout, Double) throws -> [Double]
    let sums: (UnsafeBufferPointer<Value>, SubBinLayout, Double, [Int], Int) throws -> [Double]
}

extension Float: CValue, CShardValue {
    static var engine: EngineCalls<Float> { .init(summary: ValueSummary.init, log: HistogramLogger.log) }
    static var shards: ShardCalls<Float> { .init(counts: ShardReduction.counts, sums: ShardReduction.sums) }
}

extension Double: CValue, CShardValue {
    static var engine: EngineCalls<Double> { .init(summary: ValueSummary.init, log: HistogramLogger.log) }
    static var shards: ShardCalls<Double> { .init(counts: ShardReduction.counts, sums: ShardReduction.sums) }
}

extension BFloat16: CValue {
    static var engine: EngineCalls<BFloat16> { .init(summary: ValueSummary.init, log: HistogramLogger.log) }
}
