/// The compact JSON document an HTML report embeds: per key, downsampled percentile bands and
/// ridgeline rows packed as base64 integers, and the latest statistics.
///
/// Layout (field names short on purpose, one entry per key in `k`):
/// ```
/// {"title", "source", "version", "records", "findings": [{rule, severity, key, step, message}],
///  "steps": [[step, ...], ...],          // step lists shared between keys that logged the same steps
///  "k": [{"k": key, "r": role, "n": records, "ns": distinct steps, "t": last timestamp,
///         "bs": band step list, "lo", "hi", "b": base64 uint16 LE, 7 series x points
///                                         (min, q10, q25, q50, q75, q90, max), 65535 = no value,
///                                         value = lo + (hi - lo) * v / 65534
///         "rs": ridge step list, "x0", "x1", "h": base64 uint8, ridges x cells, each ridge scaled
///                                         to its largest cell = 255, cells evenly cover [x0, x1]
///         "s": latest [mean, std, min, max, median, zero fraction, outliers, nan, inf, total,
///                      skewness, kurtosis, estimated 0/1, underflow, overflow] (null = undefined)}]}
/// ```
struct ReportData {
    var maxRidges: Int
    var ridgeCells: Int
    var maxBandPoints: Int

    private static let missing: UInt16 = 65535
    private static let top: Double = 65534

    /// One key's part of the document, read from its history before the run's findings are
    /// known (they are added by `json`).
    struct KeyData: Sendable {
        var key: String
        var recordCount: Int
        var bandSteps: [Int64]
        var ridgeSteps: [Int64]
        /// `"k"` to `"t"`; then `"f"`; `"lo"` to `"b"`; `"x0"` to `"s"`.
        var head: String
        var bands: String
        var rest: String
    }

    func json(title: String, source: String, keys: [KeyData], findings: [Finding]) -> String {
        var stepLists: [[Int64]] = []
        var stepListIndex: [[Int64]: Int] = [:]
        func listIndex(_ steps: [Int64]) -> Int {
            if let index = stepListIndex[steps] { return index }
            stepLists.append(steps)
            stepListIndex[steps] = stepLists.count - 1
            return stepLists.count - 1
        }
        let findingCounts = Dictionary(findings.map { ($0.key, 1) }, uniquingKeysWith: +)

        var keyTexts: [String] = []
        keyTexts.reserveCapacity(keys.count)
        for data in keys.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            var text = data.head + ",\"f\":" + String(findingCounts[data.key] ?? 0)
            text += ",\"bs\":" + String(listIndex(data.bandSteps)) + data.bands
            text += ",\"rs\":" + String(listIndex(data.ridgeSteps)) + data.rest
            keyTexts.append(text)
        }
        var out = "{\"title\":" + TextFormatting.json(title)
        out += ",\"source\":" + TextFormatting.json(source)
        out += ",\"version\":" + TextFormatting.json(HistLogVersion.string.description)
        out += ",\"records\":" + String(keys.reduce(0) { $0 + $1.recordCount })
        out += ",\"findings\":[" + findings.map { "{" + $0.jsonMembers + "}" }.joined(separator: ",") + "]"
        out += ",\"steps\":[" + stepLists.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        out += ",\"k\":[\n" + keyTexts.joined(separator: ",\n") + "]}"
        return out
    }

    /// `history`'s part of the document; nil for a history without records. Reads the
    /// histograms of the ridgeline's steps (at most `maxRidges`) and of the last step.
    func keyData(_ history: KeyHistory) throws -> KeyData? {
        guard !history.isEmpty else { return nil }
        let bandIndices = evenlySpaced(count: history.steps.count, at: maxBandPoints)
        let ridgeIndices = evenlySpaced(count: history.steps.count, at: maxRidges)
        let statistics = history.statistics

        // Percentile bands.
        var lo = Double.infinity, hi = -Double.infinity
        var series: [[Double]] = Array(repeating: [], count: 7)
        for index in bandIndices {
            let stats = statistics[index]
            let values = stats.totalCount > 0
                ? [stats.min] + stats.quantiles + [stats.max]
                : Array(repeating: Double.nan, count: 7)
            for (s, value) in values.prefix(7).enumerated() {
                series[s].append(value)
                if value.isFinite { lo = min(lo, value); hi = max(hi, value) }
            }
        }
        if !lo.isFinite { lo = 0; hi = 0 }
        var bandBytes: [UInt8] = []
        bandBytes.reserveCapacity(7 * bandIndices.count * 2)
        for values in series {
            for value in values {
                var q = Self.missing
                if value.isFinite {
                    q = hi > lo ? UInt16(min(Self.top, max(0, ((value - lo) / (hi - lo) * Self.top).rounded()))) : 0
                }
                bandBytes.append(UInt8(q & 0xff))
                bandBytes.append(UInt8(q >> 8))
            }
        }

        // Ridgeline rows over the union of the chosen histograms' ranges.
        let ridges = try ridgeIndices.map { statistics[$0].totalCount > 0 ? try history.summary(at: $0).histogram : nil }
        var x0 = Double.infinity, x1 = -Double.infinity
        for histogram in ridges {
            guard let histogram, let first = histogram.edges.first, let last = histogram.edges.last, first.isFinite, last.isFinite else {
                continue
            }
            x0 = min(x0, first)
            x1 = max(x1, last)
        }
        if !x0.isFinite { x0 = 0; x1 = 0 }
        var ridgeBytes: [UInt8] = []
        ridgeBytes.reserveCapacity(ridgeIndices.count * ridgeCells)
        for histogram in ridges {
            let cells = histogram.map { resampledCounts($0, lower: x0, upper: x1, cells: ridgeCells) }
                ?? Array(repeating: 0, count: ridgeCells)
            let largest = cells.max() ?? 0
            for value in cells {
                ridgeBytes.append(largest > 0 ? UInt8(min(255, max(0, (value / largest * 255).rounded()))) : 0)
            }
        }

        // The last ridge is the last step's histogram, when it has values.
        let lastHistogram = try ridges.last.flatMap { $0 } ?? history.summary(at: history.steps.count - 1).histogram
        let stats = statistics[statistics.count - 1]
        let latest: [Double] = [
            stats.mean, stats.standardDeviation, stats.min, stats.max, stats.median,
            stats.zeroFraction ?? .nan, Double(stats.outlierCount), Double(stats.nanCount), Double(stats.infCount),
            Double(stats.totalCount), stats.skewness, stats.kurtosis, stats.estimated.isEmpty ? 0 : 1,
            Double(lastHistogram.underflow), Double(lastHistogram.overflow),
        ]
        let lastTimestamp = history.timestamps.last ?? .nan
        var head = "{\"k\":" + TextFormatting.json(history.key)
        head += ",\"r\":" + TextFormatting.json(history.role.rawValue)
        head += ",\"n\":" + String(history.recordCount) + ",\"ns\":" + String(history.steps.count)
        head += ",\"t\":" + TextFormatting.json(lastTimestamp)
        var bands = ",\"lo\":" + TextFormatting.json(lo) + ",\"hi\":" + TextFormatting.json(hi)
        bands += ",\"b\":\"" + base64(bandBytes) + "\""
        var rest = ",\"x0\":" + TextFormatting.json(x0) + ",\"x1\":" + TextFormatting.json(x1)
        rest += ",\"h\":\"" + base64(ridgeBytes) + "\""
        rest += ",\"s\":[" + latest.map { TextFormatting.json($0, significant: 6) }.joined(separator: ",") + "]}"
        return KeyData(
            key: history.key, recordCount: history.recordCount,
            bandSteps: bandIndices.map { history.steps[$0] }, ridgeSteps: ridgeIndices.map { history.steps[$0] },
            head: head, bands: bands, rest: rest)
    }
}

/// `limit` indices spread evenly over `0..<count`, first and last included (all when fewer).
func evenlySpaced(count: Int, at limit: Int) -> [Int] {
    if count <= limit { return Array(0..<count) }
    if limit <= 1 { return limit == 1 ? [count - 1] : [] }
    return (0..<limit).map { ($0 * (count - 1) + (limit - 1) / 2) / (limit - 1) }
}

/// Standard base64 with padding (RFC 4648).
func base64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index + 2 < bytes.count {
        let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
        out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
        index += 3
    }
    let rest = bytes.count - index
    if rest == 1 {
        let n = UInt32(bytes[index]) << 16
        out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
    } else if rest == 2 {
        let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
        out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
    }
    return String(decoding: out, as: UTF8.self)
}
