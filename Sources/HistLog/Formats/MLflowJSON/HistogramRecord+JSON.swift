/// The MLflow-style JSON object of one record (seed 000's `name, step, timestamp, bin_edges,
/// counts, min_value, max_value`, plus the statistics), always on one line.
///
/// Undefined numbers (NaN) are written as `null` and read back as NaN; an unknown
/// `zero_count` is `null`. `moments` holds the central sums that make summaries mergeable;
/// their min/max are `min_value` / `max_value`.
enum MLflowJSONRecord {
    static let estimatedNames: [(EstimatedStatistics, String)] = [
        (.moments, "moments"), (.quantiles, "quantiles"), (.outliers, "outliers"), (.extremes, "extremes"),
    ]
    static let quantileKeys = ["0.1", "0.25", "0.5", "0.75", "0.9"]

    /// The record as one line of JSON (no newline).
    static func encode(_ record: HistogramRecord) -> [UInt8] {
        let histogram = record.summary.histogram
        let statistics = record.summary.statistics
        let moments = record.summary.moments
        var json = JSONWriter(capacity: 640 + 48 * histogram.counts.count)
        json.raw("{")
        json.key("name"); json.string(record.key); json.comma()
        json.key("step"); json.integer(record.step); json.comma()
        json.key("timestamp"); json.number(record.timestamp); json.comma()
        json.key("bin_edges"); json.numbers(histogram.edges); json.comma()
        json.key("counts"); json.numbers(histogram.counts); json.comma()
        json.key("min_value"); json.number(statistics.min); json.comma()
        json.key("max_value"); json.number(statistics.max); json.comma()
        json.key("total_count"); json.integer(statistics.totalCount); json.comma()
        json.key("nan_count"); json.integer(statistics.nanCount); json.comma()
        json.key("inf_count"); json.integer(statistics.infCount); json.comma()
        json.key("underflow_count"); json.integer(histogram.underflow); json.comma()
        json.key("overflow_count"); json.integer(histogram.overflow); json.comma()
        json.key("zero_count"); json.integer(statistics.zeroCount); json.comma()
        json.key("outlier_count"); json.integer(statistics.outlierCount); json.comma()
        json.key("outlier_threshold"); json.number(statistics.outlierThreshold); json.comma()
        json.key("sum"); json.number(statistics.sum); json.comma()
        json.key("sum_squares"); json.number(statistics.sumOfSquares); json.comma()
        json.key("mean"); json.number(statistics.mean); json.comma()
        json.key("std"); json.number(statistics.standardDeviation); json.comma()
        json.key("skewness"); json.number(statistics.skewness); json.comma()
        json.key("kurtosis"); json.number(statistics.kurtosis); json.comma()
        json.key("quantiles"); json.raw("{")
        for (index, key) in quantileKeys.enumerated() {
            if index > 0 { json.comma() }
            json.string(key); json.raw(":")
            json.number(index < statistics.quantiles.count ? statistics.quantiles[index] : .nan)
        }
        json.raw("}"); json.comma()
        json.key("median"); json.number(statistics.quantiles.count > 2 ? statistics.quantiles[2] : .nan); json.comma()
        json.key("moments"); json.raw("{")
        json.key("count"); json.integer(moments.count); json.comma()
        json.key("mean"); json.number(moments.mean); json.comma()
        json.key("m2"); json.number(moments.m2); json.comma()
        json.key("m3"); json.number(moments.m3); json.comma()
        json.key("m4"); json.number(moments.m4)
        json.raw("}"); json.comma()
        json.key("estimated"); json.bool(!statistics.estimated.isEmpty); json.comma()
        json.key("estimated_statistics"); json.raw("[")
        var first = true
        for (flag, name) in estimatedNames where statistics.estimated.contains(flag) {
            if !first { json.comma() }
            first = false
            json.string(name)
        }
        json.raw("]}")
        return json.bytes
    }
}
