/// TensorBoard `Event` protos (tensorboard/compat/proto/event.proto, summary.proto,
/// histogram.proto) for histograms, written in the legacy `Summary.Value.histo` form that
/// `torch.utils.tensorboard` writes, and read back in that form or the newer k×3 tensor form.
///
/// Field numbers: Event{1 wall_time double, 2 step int64, 3 file_version string, 5 summary};
/// Summary{1 value}; Summary.Value{1 tag, 5 histo, 8 tensor, 9 metadata};
/// SummaryMetadata{1 plugin_data{1 plugin_name}}; HistogramProto{1 min, 2 max, 3 num, 4 sum,
/// 5 sum_squares, 6 bucket_limit packed, 7 bucket packed}; TensorProto{1 dtype, 2 tensor_shape
/// {2 dim{1 size}}, 4 tensor_content, 5 float_val, 6 double_val}.
enum TensorBoardEvent {
    static let fileVersion = "brain.Event:2"
    static let pluginName = "histograms"

    static func fileVersionEvent(wallTime: Double) -> [UInt8] {
        var event = ProtobufWriter()
        event.double(1, wallTime)
        event.string(3, fileVersion)
        return event.bytes
    }

    /// The legacy buckets of a summary. A bucket covers `(previous limit, limit]`, the first
    /// one from -DBL_MAX. So the first bucket is our underflow, with limit `edges[0]` (as torch
    /// writes a leading empty bucket); then bucket i + 1 is bin i, limit `edges[i + 1]`; then,
    /// if there is overflow, a last bucket up to DBL_MAX. TensorBoard drops empty buckets at
    /// both ends and draws the outer ones from `min` to `max`, so with default binning the
    /// rendered bins are exactly ours.
    static func buckets(of histogram: Histogram) -> (limits: [Double], counts: [Double]) {
        var limits = histogram.edges
        var counts = [Double(histogram.underflow)] + histogram.counts
        if histogram.overflow > 0 {
            limits.append(.greatestFiniteMagnitude)
            counts.append(Double(histogram.overflow))
        }
        return (limits, counts)
    }

    /// A record's histogram event: its `tensorBoard` form as given, or the summary's buckets
    /// with the exact statistics of the finite values (zeros when there are none).
    static func histogramEvent(_ record: HistogramRecord) -> [UInt8] {
        let histogram = record.tensorBoard ?? legacyForm(of: record.summary)
        var event = ProtobufWriter()
        event.double(1, record.timestamp)
        event.int64(2, record.step)
        event.message(5) { summary in
            summary.message(1) { value in
                value.string(1, record.key)
                value.message(5) { histo in
                    histo.double(1, histogram.min)
                    histo.double(2, histogram.max)
                    histo.double(3, histogram.num)
                    histo.double(4, histogram.sum)
                    histo.double(5, histogram.sumSquares)
                    histo.packedDoubles(6, histogram.bucketLimits)
                    histo.packedDoubles(7, histogram.bucketCounts)
                }
                value.message(9) { metadata in
                    metadata.message(1) { pluginData in pluginData.string(1, pluginName) }
                }
            }
        }
        return event.bytes
    }

    static func legacyForm(of summary: HistogramSummary) -> TensorBoardHistogram {
        let statistics = summary.statistics
        let (limits, counts) = buckets(of: summary.histogram)
        let empty = statistics.totalCount == 0
        func finite(_ value: Double) -> Double { empty || value.isNaN ? 0 : value }
        return TensorBoardHistogram(
            min: finite(statistics.min), max: finite(statistics.max), num: Double(statistics.totalCount),
            sum: finite(statistics.sum), sumSquares: finite(statistics.sumOfSquares),
            bucketLimits: limits, bucketCounts: counts)
    }

    /// Whether `bytes` parse as a protobuf message (every field's wire type and length hold).
    static func isWellFormed(_ bytes: ArraySlice<UInt8>) -> Bool {
        var reader = ProtobufReader(bytes)
        do {
            while let (_, wire) = try reader.nextField() { try reader.skip(wire) }
            return true
        } catch {
            return false
        }
    }

    /// A histogram found in an event file, as bins.
    struct Imported {
        var tag: String
        var step: Int64
        var wallTime: Double
        var edges: [Double]
        var counts: [Double]
    }

    /// Every histogram in a file's event payloads, in file order. `histogramTags` carries which
    /// tags were declared by the histograms plugin (metadata comes with a tag's first value).
    static func histograms(in payload: ArraySlice<UInt8>, histogramTags: inout Set<String>) throws(ProtobufReader.Malformed) -> [Imported] {
        var reader = ProtobufReader(payload)
        var wallTime = 0.0
        var step: Int64 = 0
        var summaries: [ArraySlice<UInt8>] = []
        while let (field, wire) = try reader.nextField() {
            switch (field, wire) {
            case (1, WireType.fixed64.rawValue): wallTime = Double(bitPattern: try reader.fixed64())
            case (2, WireType.varint.rawValue): step = Int64(bitPattern: try reader.varint())
            case (5, WireType.lengthDelimited.rawValue): summaries.append(try reader.lengthDelimited())
            default: try reader.skip(wire)
            }
        }
        var result: [Imported] = []
        for summary in summaries {
            var summaryReader = ProtobufReader(summary)
            while let (field, wire) = try summaryReader.nextField() {
                guard field == 1, wire == WireType.lengthDelimited.rawValue else {
                    try summaryReader.skip(wire)
                    continue
                }
                if let (tag, bins) = try value(summaryReader.lengthDelimited(), histogramTags: &histogramTags) {
                    result.append(Imported(tag: tag, step: step, wallTime: wallTime, edges: bins.edges, counts: bins.counts))
                }
            }
        }
        return result
    }

    private static func value(_ bytes: ArraySlice<UInt8>, histogramTags: inout Set<String>) throws(ProtobufReader.Malformed) -> (String, (edges: [Double], counts: [Double]))? {
        var reader = ProtobufReader(bytes)
        var tag = ""
        var histo: ArraySlice<UInt8>?
        var tensor: ArraySlice<UInt8>?
        var plugin: String?
        while let (field, wire) = try reader.nextField() {
            switch (field, wire) {
            case (1, WireType.lengthDelimited.rawValue): tag = String(decoding: try reader.lengthDelimited(), as: UTF8.self)
            case (5, WireType.lengthDelimited.rawValue): histo = try reader.lengthDelimited()
            case (8, WireType.lengthDelimited.rawValue): tensor = try reader.lengthDelimited()
            case (9, WireType.lengthDelimited.rawValue): plugin = try pluginName(reader.lengthDelimited())
            default: try reader.skip(wire)
            }
        }
        if let plugin, plugin == pluginName { histogramTags.insert(tag) }
        if let histo { return (tag, try legacyBins(histo)) }
        if let tensor, histogramTags.contains(tag), let bins = try tensorBins(tensor) { return (tag, bins) }
        return nil
    }

    private static func pluginName(_ metadata: ArraySlice<UInt8>) throws(ProtobufReader.Malformed) -> String? {
        var reader = ProtobufReader(metadata)
        var name: String?
        while let (field, wire) = try reader.nextField() {
            guard field == 1, wire == WireType.lengthDelimited.rawValue else {
                try reader.skip(wire)
                continue
            }
            var pluginData = ProtobufReader(try reader.lengthDelimited())
            while let (innerField, innerWire) = try pluginData.nextField() {
                if innerField == 1, innerWire == WireType.lengthDelimited.rawValue {
                    name = String(decoding: try pluginData.lengthDelimited(), as: UTF8.self)
                } else {
                    try pluginData.skip(innerWire)
                }
            }
        }
        return name
    }

    /// Bins of a legacy HistogramProto, as TensorBoard reads them (`TensorBoardHistogram.bins()`).
    static func legacyBins(_ bytes: ArraySlice<UInt8>) throws(ProtobufReader.Malformed) -> (edges: [Double], counts: [Double]) {
        var reader = ProtobufReader(bytes)
        var histogram = TensorBoardHistogram(min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimits: [], bucketCounts: [])
        while let (field, wire) = try reader.nextField() {
            switch (field, wire) {
            case (1, WireType.fixed64.rawValue): histogram.min = Double(bitPattern: try reader.fixed64())
            case (2, WireType.fixed64.rawValue): histogram.max = Double(bitPattern: try reader.fixed64())
            case (6, _): try reader.doubles(wire, into: &histogram.bucketLimits)
            case (7, _): try reader.doubles(wire, into: &histogram.bucketCounts)
            default: try reader.skip(wire)
            }
        }
        guard histogram.bucketLimits.count == histogram.bucketCounts.count else { throw ProtobufReader.Malformed() }
        return histogram.bins()
    }

    /// Bins of the histogram plugin's k×3 tensor of (left, right, count) rows.
    static func tensorBins(_ bytes: ArraySlice<UInt8>) throws(ProtobufReader.Malformed) -> (edges: [Double], counts: [Double])? {
        var reader = ProtobufReader(bytes)
        var dtype: UInt64 = 0
        var dimensions: [Int] = []
        var content: ArraySlice<UInt8> = []
        var values: [Double] = []
        while let (field, wire) = try reader.nextField() {
            switch (field, wire) {
            case (1, WireType.varint.rawValue): dtype = try reader.varint()
            case (2, WireType.lengthDelimited.rawValue): dimensions = try shape(reader.lengthDelimited())
            case (4, WireType.lengthDelimited.rawValue): content = try reader.lengthDelimited()
            case (5, _): try reader.floats(wire, into: &values)
            case (6, _): try reader.doubles(wire, into: &values)
            default: try reader.skip(wire)
            }
        }
        if !content.isEmpty {
            var raw = ProtobufReader(content)
            values = []
            switch dtype {
            case 1: for _ in 0..<content.count / 4 { values.append(Double(Float(bitPattern: try raw.fixed32()))) }
            case 2: for _ in 0..<content.count / 8 { values.append(Double(bitPattern: try raw.fixed64())) }
            default: return nil
            }
        }
        guard dimensions.count == 2, dimensions[1] == 3, values.count == dimensions[0] * 3 else { return nil }
        let rows = dimensions[0]
        guard rows > 0 else { return TensorBoardHistogram.widened([0, 1], [0]) }
        var edges = (0..<rows).map { values[3 * $0] }
        edges.append(values[3 * rows - 2])
        return TensorBoardHistogram.widened(edges, (0..<rows).map { values[3 * $0 + 2] })
    }

    private static func shape(_ bytes: ArraySlice<UInt8>) throws(ProtobufReader.Malformed) -> [Int] {
        var reader = ProtobufReader(bytes)
        var dimensions: [Int] = []
        while let (field, wire) = try reader.nextField() {
            guard field == 2, wire == WireType.lengthDelimited.rawValue else {
                try reader.skip(wire)
                continue
            }
            var dim = ProtobufReader(try reader.lengthDelimited())
            var size = 0
            while let (innerField, innerWire) = try dim.nextField() {
                if innerField == 1, innerWire == WireType.varint.rawValue {
                    guard let value = Int(exactly: Int64(bitPattern: try dim.varint())), value >= 0, value < 1 << 32 else {
                        throw ProtobufReader.Malformed()
                    }
                    size = value
                } else {
                    try dim.skip(innerWire)
                }
            }
            dimensions.append(size)
        }
        return dimensions
    }
}
