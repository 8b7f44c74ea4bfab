/// Reading records: the JSON bytes go straight into a record's fields, with no tree of
/// `JSONValue`s in between (the syntax stays `JSONParser`'s: strict RFC 8259). Members the
/// record does not use are parsed as generic values, so a file is accepted or rejected exactly
/// as a full parse would. As with a JSON object, a repeated member name keeps its last value.
extension MLflowJSONRecord {
    /// The record in `line`: one JSON object, optionally surrounded by whitespace.
    static func decode(_ line: [UInt8]) throws(HistlogError) -> HistogramRecord {
        try line.withUnsafeBufferPointer { (bytes) throws(HistlogError) -> HistogramRecord in
            var parser = JSONParser(bytes: bytes)
            let record: Result<HistogramRecord, HistlogError>
            do {
                parser.skipWhitespace()
                record = try parser.parseRecord(depth: 0)
                parser.skipWhitespace()
                guard parser.position == bytes.count else { throw parser.failure("unexpected text after the value") }
            } catch {
                throw .format("\(error)")
            }
            return try record.get()
        }
    }

    /// The members a record reads, in the order the writer puts them (matching tries the
    /// member after the previous one first).
    enum Field: Int, CaseIterable {
        case name, step, timestamp, binEdges, counts, minValue, maxValue, totalCount, nanCount, infCount
        case underflowCount, overflowCount, zeroCount, outlierCount, outlierThreshold, sum, sumOfSquares
        case mean, standardDeviation, skewness, kurtosis, quantiles, moments, estimatedStatistics
        case unused

        static let names: [[UInt8]] = [
            "name", "step", "timestamp", "bin_edges", "counts", "min_value", "max_value", "total_count", "nan_count", "inf_count",
            "underflow_count", "overflow_count", "zero_count", "outlier_count", "outlier_threshold", "sum", "sum_squares",
            "mean", "std", "skewness", "kurtosis", "quantiles", "moments", "estimated_statistics",
        ].map { Array($0.utf8) }

    }

    @inline(__always)
    static func equal(_ name: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.count == bytes.count else { return false }
        for index in 0..<bytes.count where name[index] != bytes[index] { return false }
        return true
    }

    static let momentKeys: [[UInt8]] = ["count", "mean", "m2", "m3", "m4"].map { Array($0.utf8) }
    static let quantileKeyBytes: [[UInt8]] = quantileKeys.map { Array($0.utf8) }

    /// A member's value as far as a record cares: absent, null, a number, or something else.
    enum Scalar {
        case missing, null, integer(Int64), number(Double), other

        /// A number or null (NaN: how the writer stores undefined statistics); nil otherwise.
        var double: Double? {
            switch self {
            case .integer(let value): Double(value)
            case .number(let value): value
            case .null, .missing: .nan
            case .other: nil
            }
        }

        var int64: Int64? {
            switch self {
            case .integer(let value): value
            case .number(let value): Int64(exactly: value)
            default: nil
            }
        }
    }

    /// The members of one record object, checked by `record()` once the object is complete.
    struct Fields {
        var name: String?
        var scalars = InlineArray<25, Scalar>(repeating: .missing)  // one per Field
        var edges: [Double]?
        var counts: [Double]?
        var quantiles: InlineArray<5, Scalar>?
        var moments: InlineArray<5, Scalar>?
        var estimated = EstimatedStatistics()

        subscript(field: Field) -> Scalar { scalars[field.rawValue] }

        /// The record, or why these members do not make one. The checks and defaults of the
        /// format: only the seed's fields are required (files written by MLflow itself lack the
        /// statistics); a missing statistic reads as undefined (NaN) and, when the statistics
        /// are missing, the record is marked estimated.
        func record() throws(HistlogError) -> HistogramRecord {
            guard let name else { throw .format("record has no string \"name\"") }
            func fail(_ field: Field, _ expected: String) -> HistlogError {
                .format("record \"\(name)\": \"\(String(decoding: Field.names[field.rawValue], as: UTF8.self))\" must be \(expected)")
            }
            func double(_ field: Field) throws(HistlogError) -> Double {
                guard let number = self[field].double else { throw fail(field, "a number or null") }
                return number
            }
            /// A count: an integer >= 0.
            func int(_ field: Field, default fallback: Int = 0) throws(HistlogError) -> Int {
                if case .missing = self[field] { return fallback }
                guard let number = self[field].int64, let result = Int(exactly: number), result >= 0 else {
                    throw fail(field, "an integer >= 0")
                }
                return result
            }

            guard let step = self[.step].int64 else { throw fail(.step, "an integer") }
            let timestamp = try double(.timestamp)
            guard let edges else { throw fail(.binEdges, "an array of numbers") }
            guard let counts else { throw fail(.counts, "an array of numbers") }
            guard edges.count == counts.count + 1 else {
                throw fail(.binEdges, "one longer than counts (\(counts.count + 1)), got \(edges.count)")
            }
            // What the writer accepts: at least one bin, finite increasing edges, counts >= 0.
            do {
                try HistogramSummary.validate(edges: edges, counts: counts)
            } catch {
                throw .format("record \"\(name)\" step \(step): \(error)")
            }
            var hasStatistics = true
            if case .missing = self[.totalCount] { hasStatistics = false }
            let totalCount = try int(.totalCount, default: hasStatistics ? 0 : Int(exactly: counts.reduce(0, +).rounded()) ?? 0)
            var zeroCount: Int?
            switch self[.zeroCount] {
            case .missing, .null: zeroCount = nil
            default: zeroCount = try int(.zeroCount)
            }
            var estimated = estimated
            if !hasStatistics { estimated.formUnion([.moments, .quantiles, .outliers, .extremes]) }
            var quantileValues = [Double](repeating: .nan, count: quantileKeys.count)
            if let quantiles {
                for index in 0..<quantileKeys.count {
                    guard let value = quantiles[index].double else {
                        throw .format("record \"\(name)\": \"\(quantileKeys[index])\" must be a number or null")
                    }
                    quantileValues[index] = value
                }
            }
            var outlierThreshold = 3.0
            if case .missing = self[.outlierThreshold] {} else { outlierThreshold = try double(.outlierThreshold) }
            let minValue = try double(.minValue)
            let maxValue = try double(.maxValue)
            let statistics = DistributionStatistics(
                totalCount: totalCount,
                nanCount: try int(.nanCount),
                infCount: try int(.infCount),
                zeroCount: zeroCount,
                outlierCount: try int(.outlierCount),
                outlierThreshold: outlierThreshold,
                min: minValue, max: maxValue,
                sum: try double(.sum), sumOfSquares: try double(.sumOfSquares),
                mean: try double(.mean), standardDeviation: try double(.standardDeviation),
                skewness: try double(.skewness), kurtosis: try double(.kurtosis),
                quantiles: quantileValues, estimated: estimated)
            var moments = Moments.empty
            if let members = self.moments {
                func value(_ index: Int) throws(HistlogError) -> Double {
                    guard let number = members[index].double else {
                        throw .format("record \"\(name)\": \"\(String(decoding: momentKeys[index], as: UTF8.self))\" must be a number or null")
                    }
                    return number
                }
                var count = 0
                if case .missing = members[0] {} else {
                    guard let number = members[0].int64, let exact = Int(exactly: number), exact >= 0 else {
                        throw .format("record \"\(name)\": \"count\" must be an integer >= 0")
                    }
                    count = exact
                }
                moments = Moments(
                    count: count, mean: try value(1), m2: try value(2), m3: try value(3), m4: try value(4),
                    min: minValue, max: maxValue)
            }
            let histogram = Histogram(
                edges: edges, counts: counts, underflow: try int(.underflowCount), overflow: try int(.overflowCount))
            return HistogramRecord(
                key: name, step: step, timestamp: timestamp,
                summary: HistogramSummary(histogram: histogram, statistics: statistics, moments: moments))
        }
    }
}

extension JSONParser {
    typealias Record = Result<HistogramRecord, HistlogError>

    /// One JSON value that should be a record. Syntax errors throw; a well-formed value that is
    /// not a valid record is returned as a `format` failure, so that a caller can finish
    /// checking the syntax of the rest first.
    mutating func parseRecord(depth: Int, capacity: Int = 0) throws(Failure) -> Record {
        guard current == UInt8(ascii: "{"), depth < Self.maximumDepth else {
            _ = try parseValue(depth: depth)
            return .failure(.format("a histogram record must be a JSON object"))
        }
        position += 1
        var fields = MLflowJSONRecord.Fields()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return Result { () throws(HistlogError) in try fields.record() }
        }
        var expected = 0
        while true {
            skipWhitespace()
            let field = try parseMemberName(in: MLflowJSONRecord.Field.names, expected: expected).map { MLflowJSONRecord.Field(rawValue: $0)! } ?? .unused
            if field != .unused { expected = field.rawValue + 1 }
            try parseRecordMember(field, into: &fields, depth: depth + 1, capacity: capacity)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return Result { () throws(HistlogError) in try fields.record() }
            default: throw failure("expected ',' or '}'")
            }
        }
    }

    /// `"name"` then `:` (and whitespace): the index of the name in `names`, nil when it is none
    /// of them. `names[expected]` is compared in place first (the writer's order).
    private mutating func parseMemberName(in names: [[UInt8]], expected: Int) throws(Failure) -> Int? {
        guard current == UInt8(ascii: "\"") else { throw failure("expected a member name") }
        var index: Int?
        if expected < names.count, isQuoted(names[expected], at: position) {
            index = expected
            position += names[expected].count + 2
        } else {
            var end = position + 1
            while end < bytes.count, case let byte = bytes[end], byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20, byte < 0x80 {
                end += 1
            }
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                let name = UnsafeBufferPointer(rebasing: bytes[(position + 1)..<end])
                index = names.firstIndex { MLflowJSONRecord.equal($0, name) }
                position = end + 1
            } else {
                // Escapes or non-ASCII: the full string parser, then its bytes.
                var name = try parseString()
                index = name.withUTF8 { name in names.firstIndex { MLflowJSONRecord.equal($0, name) } }
            }
        }
        skipWhitespace()
        guard current == UInt8(ascii: ":") else { throw failure("expected ':'") }
        position += 1
        skipWhitespace()
        return index
    }

    /// Whether `"name"` (exactly these bytes, no escapes) starts at `offset`.
    @inline(__always)
    private func isQuoted(_ name: [UInt8], at offset: Int) -> Bool {
        name.withUnsafeBufferPointer { isQuoted($0, at: offset) }
    }

    @inline(__always)
    private func isQuoted(_ name: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        let end = offset + name.count + 1
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return false }
        for index in name.indices where bytes[offset + 1 + index] != name[index] { return false }
        return true
    }

    private mutating func parseRecordMember(_ field: MLflowJSONRecord.Field, into fields: inout MLflowJSONRecord.Fields, depth: Int, capacity: Int) throws(Failure) {
        switch field {
        case .name:
            if current == UInt8(ascii: "\"") {
                // Records of one file share their name: reuse the previous record's string.
                if var previous = previousName, previous.withUTF8({ isQuoted($0, at: position) }) {
                    position += previous.utf8.count + 2
                    fields.name = previous
                } else {
                    let start = position
                    let name = try parseString()
                    fields.name = name
                    // Only a name written without escapes can be recognised by its bytes.
                    previousName = position - start - 2 == name.utf8.count ? name : nil
                }
            } else {
                _ = try parseValue(depth: depth)
                fields.name = nil
            }
        case .binEdges: fields.edges = try parseNumberArray(depth: depth, capacity: capacity + 1)
        case .counts: fields.counts = try parseNumberArray(depth: depth, capacity: capacity)
        case .quantiles: fields.quantiles = try parseScalarObject(keys: MLflowJSONRecord.quantileKeyBytes, depth: depth)
        case .moments: fields.moments = try parseScalarObject(keys: MLflowJSONRecord.momentKeys, depth: depth)
        case .estimatedStatistics:
            fields.estimated = []
            guard current == UInt8(ascii: "["), depth < Self.maximumDepth else {
                _ = try parseValue(depth: depth)
                return
            }
            try parseArrayElements { (parser) throws(Failure) in
                if parser.current == UInt8(ascii: "\"") {
                    let text = try parser.parseString()
                    if let flag = MLflowJSONRecord.estimatedNames.first(where: { $0.1 == text })?.0 { fields.estimated.insert(flag) }
                } else {
                    _ = try parser.parseValue(depth: depth + 1)
                }
            }
        case .unused:
            _ = try parseValue(depth: depth)
        default:
            fields.scalars[field.rawValue] = try parseScalar(depth: depth)
        }
    }

    private mutating func parseScalar(depth: Int) throws(Failure) -> MLflowJSONRecord.Scalar {
        switch current ?? 0 {
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            switch try parseNumber() {
            case .integer(let value): return .integer(value)
            case .double(let value): return .number(value)
            }
        default:
            _ = try parseValue(depth: depth)
            return .other
        }
    }

    /// An array of numbers and nulls (NaN) as doubles; nil when the value is anything else. An
    /// array of more numbers than any histogram's edges fails there, so a record never holds more
    /// than the largest valid one (a 50 MB line of numbers is not kept).
    private mutating func parseNumberArray(depth: Int, capacity: Int) throws(Failure) -> [Double]? {
        guard current == UInt8(ascii: "["), depth < Self.maximumDepth else {
            _ = try parseValue(depth: depth)
            return nil
        }
        let limit = BinConfig.maximumBins + 1
        var values: [Double] = []
        values.reserveCapacity(Swift.min(capacity, limit))
        var allNumbers = true
        try parseArrayElements { (parser) throws(Failure) in
            switch try parser.parseScalar(depth: depth + 1) {
            case .integer(let value): values.append(Double(value))
            case .number(let value): values.append(value)
            case .null: values.append(.nan)
            case .missing, .other: allNumbers = false
            }
            guard values.count <= limit else {
                throw parser.failure("more than \(limit) numbers in an array of bins (at most \(BinConfig.maximumBins) bins)")
            }
        }
        return allNumbers ? values : nil
    }

    /// An object's members named in `keys`, by index (`.missing` when absent); every member of
    /// a value that is not an object reads as missing.
    private mutating func parseScalarObject(keys: [[UInt8]], depth: Int) throws(Failure) -> InlineArray<5, MLflowJSONRecord.Scalar> {
        var values = InlineArray<5, MLflowJSONRecord.Scalar>(repeating: .missing)
        guard current == UInt8(ascii: "{"), depth < Self.maximumDepth else {
            _ = try parseValue(depth: depth)
            return values
        }
        position += 1
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return values
        }
        var expected = 0
        while true {
            skipWhitespace()
            let index = try parseMemberName(in: keys, expected: expected)
            if let index {
                expected = index + 1
                values[index] = try parseScalar(depth: depth + 1)
            } else {
                _ = try parseValue(depth: depth + 1)
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return values
            default: throw failure("expected ',' or '}'")
            }
        }
    }

    /// `[`, elements separated by commas, `]`; `element` parses each (whitespace skipped around it).
    private mutating func parseArrayElements(_ element: (inout JSONParser) throws(Failure) -> Void) throws(Failure) {
        position += 1
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return
            default: throw failure("expected ',' or ']'")
            }
        }
    }
}
