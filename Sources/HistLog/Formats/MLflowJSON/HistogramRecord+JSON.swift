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

    /// A record from its JSON object. Only the seed's fields are required (files written by
    /// MLflow itself lack the statistics); a missing statistic reads as undefined (NaN) and,
    /// when the statistics are missing, the record is marked estimated.
    static func decode(_ value: JSONValue) throws(HistlogError) -> HistogramRecord {
        guard case .object = value else { throw .format("a histogram record must be a JSON object") }
        guard case .string(let name)? = value["name"] else { throw .format("record has no string \"name\"") }
        func fail(_ field: String, _ expected: String) -> HistlogError {
            .format("record \"\(name)\": \"\(field)\" must be \(expected)")
        }
        func double(_ field: String, in object: JSONValue? = nil) throws(HistlogError) -> Double {
            guard let member = (object ?? value)[field] else { return .nan }
            guard let number = member.double else { throw fail(field, "a number or null") }
            return number
        }
        func int(_ field: String, in object: JSONValue? = nil, default fallback: Int = 0) throws(HistlogError) -> Int {
            guard let member = (object ?? value)[field] else { return fallback }
            guard let number = member.int64, let result = Int(exactly: number) else { throw fail(field, "an integer") }
            return result
        }
        func numbers(_ field: String) throws(HistlogError) -> [Double] {
            guard case .array(let elements)? = value[field] else { throw fail(field, "an array of numbers") }
            var result: [Double] = []
            result.reserveCapacity(elements.count)
            for element in elements {
                guard let number = element.double else { throw fail(field, "an array of numbers") }
                result.append(number)
            }
            return result
        }

        guard let step = value["step"]?.int64 else { throw fail("step", "an integer") }
        let timestamp = try double("timestamp")
        let edges = try numbers("bin_edges")
        let counts = try numbers("counts")
        guard edges.count == counts.count + 1 else {
            throw fail("bin_edges", "one longer than counts (\(counts.count + 1)), got \(edges.count)")
        }
        let hasStatistics = value["total_count"] != nil
        let binnedCount = counts.reduce(0, +)
        let totalCount = try int("total_count", default: Int(exactly: binnedCount.rounded()) ?? 0)

        var zeroCount: Int?
        switch value["zero_count"] {
        case nil, .null?: zeroCount = nil
        default: zeroCount = try int("zero_count")
        }
        var estimated: EstimatedStatistics = hasStatistics ? [] : [.moments, .quantiles, .outliers, .extremes]
        if case .array(let names)? = value["estimated_statistics"] {
            for case .string(let text) in names {
                if let flag = estimatedNames.first(where: { $0.1 == text })?.0 { estimated.insert(flag) }
            }
        }
        var quantiles = [Double](repeating: .nan, count: quantileKeys.count)
        if let object = value["quantiles"] {
            for (index, key) in quantileKeys.enumerated() { quantiles[index] = try double(key, in: object) }
        }
        let outlierThreshold = value["outlier_threshold"] == nil ? 3 : try double("outlier_threshold")
        let minValue = try double("min_value")
        let maxValue = try double("max_value")
        let statistics = DistributionStatistics(
            totalCount: totalCount,
            nanCount: try int("nan_count"),
            infCount: try int("inf_count"),
            zeroCount: zeroCount,
            outlierCount: try int("outlier_count"),
            outlierThreshold: outlierThreshold,
            min: minValue, max: maxValue,
            sum: try double("sum"), sumOfSquares: try double("sum_squares"),
            mean: try double("mean"), standardDeviation: try double("std"),
            skewness: try double("skewness"), kurtosis: try double("kurtosis"),
            quantiles: quantiles, estimated: estimated)
        var moments = Moments.empty
        if let object = value["moments"] {
            moments = Moments(
                count: try int("count", in: object), mean: try double("mean", in: object),
                m2: try double("m2", in: object), m3: try double("m3", in: object), m4: try double("m4", in: object),
                min: minValue, max: maxValue)
        }
        let histogram = Histogram(
            edges: edges, counts: counts,
            underflow: try int("underflow_count"), overflow: try int("overflow_count"))
        return HistogramRecord(
            key: name, step: step, timestamp: timestamp,
            summary: HistogramSummary(histogram: histogram, statistics: statistics, moments: moments))
    }
}
