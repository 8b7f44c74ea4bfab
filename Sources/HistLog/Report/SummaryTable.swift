/// The terminal table of `histlog summary RUN` (also `hl_summary_text`): one row per key, grouped
/// under its `/` folder, describing the key's latest logged step.
///
/// ```
/// key                     steps      mean       std       min       max  zero%  outl nan/inf latest
/// Gradients/
///   fc1.weight              100  -1.23e-5   4.56e-3   -0.0213    0.0221   0.0%     3       - ▁▂▅██▅▂▁
/// ```
///
/// Columns: distinct logged steps; mean, std, min, max, share of exact zeros (`-` when unknown)
/// and outliers of the latest step; NaN + Inf values of the latest step, or `@S` when only an
/// earlier step S had some; a sparkline of the latest histogram over its own range. Numbers have
/// three significant digits. Keys longer than their column are shortened in the middle with `…`;
/// `~` after a key marks statistics estimated from the bins (a footnote line then says so).
public struct SummaryTable: Sendable {
    /// Total width in terminal columns, at least 60. Default 100.
    public var width: Int
    /// Characters in the sparkline column. Default 12.
    public var sparklineWidth: Int

    public init(width: Int = 100, sparklineWidth: Int = 12) throws {
        guard width >= 60 else { throw HistlogError.invalidArgument("width must be >= 60 columns, got \(width)") }
        guard sparklineWidth >= 1 && sparklineWidth <= 100 else {
            throw HistlogError.invalidArgument("sparklineWidth must be in 1...100, got \(sparklineWidth)")
        }
        self.width = width
        self.sparklineWidth = sparklineWidth
    }

    private static let numberColumns: [(title: String, width: Int)] = [
        ("steps", 6), ("mean", 10), ("std", 10), ("min", 10), ("max", 10), ("zero%", 7), ("outl", 6), ("nan/inf", 8),
    ]

    /// The table, one line per row, each ending in "\n".
    public func render(_ keys: [KeyOverview]) -> String {
        let fixed = Self.numberColumns.reduce(0) { $0 + $1.width } + 1 + sparklineWidth
        let keyWidth = max(12, width - fixed)
        var out = pad("key", keyWidth)
        for column in Self.numberColumns { out += padLeft(column.title, column.width) }
        out += " " + "latest\n"

        var currentFolder: Substring? = nil
        var anyEstimated = false
        for overview in keys.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            let key = overview.key
            let folderEnd = key.lastIndex(of: "/")
            let folder = folderEnd.map { key[...$0] } ?? ""
            if folder != currentFolder {
                currentFolder = folder
                if !folder.isEmpty { out += shorten(String(folder), keyWidth) + "\n" }
            }
            let leaf = folderEnd.map { String(key[key.index(after: $0)...]) } ?? key
            let estimated = !overview.latest.statistics.estimated.isEmpty
            anyEstimated = anyEstimated || estimated
            let name = shorten(folder.isEmpty ? leaf : "  " + leaf, keyWidth - (estimated ? 3 : 1))
            out += pad(estimated ? name + " ~" : name, keyWidth)
            let cells = row(overview)
            for (column, text) in zip(Self.numberColumns, cells) { out += padLeft(text, column.width) }
            let histogram = overview.latest.histogram
            let range = (histogram.edges.first ?? 0, histogram.edges.last ?? 0)
            out += " " + sparkline(resampledCounts(histogram, lower: range.0, upper: range.1, cells: sparklineWidth)) + "\n"
        }
        if anyEstimated { out += "~ statistics estimated from the bins (pre-computed histograms)\n" }
        return out
    }

    private func row(_ overview: KeyOverview) -> [String] {
        let stats = overview.latest.statistics
        func number(_ x: Double) -> String { stats.totalCount == 0 ? "-" : TextFormatting.number(x) }
        let zero = stats.zeroFraction.map { TextFormatting.number($0 * 100, significant: 3) + "%" } ?? "-"
        let nonFinite = stats.nanCount + stats.infCount
        let nonFiniteText = nonFinite > 0
            ? TextFormatting.count(nonFinite)
            : overview.firstNonFiniteStep.map { "@\($0)" } ?? "-"
        return [
            TextFormatting.count(overview.stepCount), number(stats.mean), number(stats.standardDeviation),
            number(stats.min), number(stats.max), zero, TextFormatting.count(stats.outlierCount), nonFiniteText,
        ]
    }
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

private func padLeft(_ text: String, _ width: Int) -> String {
    text.count >= width - 1 ? " " + text : String(repeating: " ", count: width - text.count) + text
}

/// `text` cut to `width` characters by replacing its middle with `…`.
private func shorten(_ text: String, _ width: Int) -> String {
    guard text.count > width, width >= 3 else { return text }
    let head = (width - 1) / 2
    let tail = width - 1 - head
    return String(text.prefix(head)) + "…" + String(text.suffix(tail))
}
