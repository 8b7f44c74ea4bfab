/// Counts of a histogram spread over `cells` equal-width cells covering `[lower, upper]`: each
/// bin's count is shared among the cells it overlaps in proportion to the overlap (values taken
/// as uniform within a bin), so histograms with different edges can be drawn on one axis.
/// Parts of bins outside the range are dropped. When `upper <= lower` (a single value) the
/// total goes to the middle cell. Non-finite edges or counts are skipped.
func resampledCounts(_ histogram: Histogram, lower: Double, upper: Double, cells: Int) -> [Double] {
    guard cells > 0 else { return [] }
    var out = [Double](repeating: 0, count: cells)
    let edges = histogram.edges
    let counts = histogram.counts
    guard edges.count == counts.count + 1 else { return out }
    guard lower.isFinite, upper.isFinite, upper > lower else {
        out[cells / 2] = counts.reduce(0) { $0 + ($1.isFinite && $1 > 0 ? $1 : 0) }
        return out
    }
    let width = (upper - lower) / Double(cells)
    func cell(_ x: Double) -> Int {
        Int(min(Double(cells - 1), max(0, ((x - lower) / width).rounded(.down))))
    }
    for bin in counts.indices {
        let count = counts[bin], a = edges[bin], b = edges[bin + 1]
        guard count > 0, count.isFinite, a.isFinite, b.isFinite else { continue }
        if b <= a {
            if a >= lower && a <= upper { out[cell(a)] += count }
            continue
        }
        let from = max(a, lower), to = min(b, upper)
        guard to > from else { continue }
        for index in cell(from)...cell(to) {
            let cellLower = lower + Double(index) * width
            let cellUpper = index == cells - 1 ? upper : cellLower + width
            let overlap = min(to, cellUpper) - max(from, cellLower)
            if overlap > 0 { out[index] += count * overlap / (b - a) }
        }
    }
    return out
}

/// One character per cell, `▁`...`█` scaled to the largest cell; a space for an empty cell.
func sparkline(_ cells: [Double]) -> String {
    let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    let largest = cells.max() ?? 0
    guard largest > 0 else { return String(repeating: " ", count: cells.count) }
    return String(cells.map { value -> Character in
        guard value > 0 else { return " " }
        let level = Int((value / largest * Double(blocks.count)).rounded(.up)) - 1
        return blocks[min(blocks.count - 1, max(0, level))]
    })
}
