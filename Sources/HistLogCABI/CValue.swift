import HistLog

/// The element types of the `_f32` / `_f64` export pairs (`float`, `double`). Each binds the
/// engine's overloads for its type, so that one generic body serves both exports of a pair.
protocol CValue {
    static var engine: EngineCalls<Self> { get }
}

/// The engine functions an export pair calls, for one element type.
struct EngineCalls<Value> {
    let summary: (UnsafeBufferPointer<Value>, BinConfig, StatisticsOptions, Bool) throws -> ValueSummary
    let log: (HistogramLogger) -> (String, Int64, UnsafeBufferPointer<Value>, BinConfig, StatisticsOptions, Double?) throws -> Void
    let shardCounts: (UnsafeBufferPointer<Value>, SubBinLayout, Double) throws -> [Double]
    let shardSums: (UnsafeBufferPointer<Value>, SubBinLayout, Double, [Int], Int) throws -> [Double]
}

extension Float: CValue {
    static var engine: EngineCalls<Float> {
        .init(summary: ValueSummary.init, log: HistogramLogger.log, shardCounts: ShardReduction.counts, shardSums: ShardReduction.sums)
    }
}

extension Double: CValue {
    static var engine: EngineCalls<Double> {
        .init(summary: ValueSummary.init, log: HistogramLogger.log, shardCounts: ShardReduction.counts, shardSums: ShardReduction.sums)
    }
}
