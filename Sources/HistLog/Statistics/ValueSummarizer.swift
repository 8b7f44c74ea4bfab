/// The histogram and exact statistics of a buffer of raw values, in three streaming passes:
///
/// 1. `ValueScan`: NaN, ±Inf and zero counts, finite extremes; then the bin layout.
/// 2. `SecondPass`: counts per cell (bins split into fine cells), central power sums in `Double`.
/// 3. `QuantileSelection`: the values of the few cells holding the quantiles' order statistics
///    are gathered and selected; outliers are counted in the same pass, now that the mean and
///    std are known. A small input (a few thousand values: biases, norms) has its quantiles
///    selected among the keys of all its values instead (`selectAmongAll`), its cells counting
///    the bins alone.
///
/// The input is read in place, never copied. Extra memory: each value's cell slot, kept by pass 2
/// for pass 3 (2 bytes a `Float`, 4 a `Double`: half the input; not above 2^24 values), the cell
/// counts (a few KiB; up to about a MiB for the finer cells of heavy tails, at most 2^15 cells and
/// one per 8 values), the gathered candidates (typically a few thousand keys, at most 2^16 or an
/// eighth of the input when ties or heavy tails crowd the quantiles' cells), for bins of unequal
/// widths a bin per cell, and for a layout without room for cells a table of 2^16 radix counts;
/// for a small input, the keys of all its values (at most 16 KiB of `Float` keys).
enum ValueSummarizer {
    static func summarize<T: EngineFloat>(_ values: ValueStream<T>, bins config: BinConfig, options: StatisticsOptions) throws -> HistogramSummary {
        try config.validate()
        try options.validate()
        let scan = ValueScan.scan(
            values, magnitudes: config.edges == nil && config.scale != .linear, zeroTolerance: T.roundedDown(options.zeroTolerance))
        let layout = try resolveLayout(config, scan: scan, values: values)
        let probabilities = DistributionStatistics.quantileProbabilities
        guard scan.finiteCount > 0 else {
            let statistics = DistributionStatistics(
                totalCount: 0, nanCount: scan.nanCount, infCount: scan.infCount, zeroCount: 0, outlierCount: 0,
                outlierThreshold: options.outlierThreshold, min: .nan, max: .nan, sum: .nan, sumOfSquares: .nan,
                mean: .nan, standardDeviation: .nan, skewness: .nan, kurtosis: .nan,
                quantiles: probabilities.map { _ in .nan }, estimated: [])
            return HistogramSummary(
                histogram: Histogram(edges: layout.edges, counts: [Double](repeating: 0, count: layout.binCount)),
                statistics: statistics, moments: .empty)
        }

        let (centre, spread) = scan.centre(of: values)
        // Pass 2 puts the centre in place of NaN and ±Inf in the power sums: it must be a `T`.
        let shift = isFinite(scan) ? centre : Double(T(centre))
        let cellLayout = cells(of: layout)
        // A small input's quantiles are selected among all its values: its cells only count the bins.
        let clean = isFinite(scan) && scan.zeroCount == 0
        let small = scan.finiteCount <= QuantileSelection<T>.allValuesLimit(clean: clean)
        let formula = CellFormula(
            cellLayout, fineBits: small && layout.isUniform ? 1 : fineBits(binCount: cellLayout.binCount, count: scan.finiteCount, spread: spread))
        let inside = isInside(scan, layout)
        // Pass 2 keeps each value's cell slot, so that pass 3 reads them instead of the values.
        // Exact zeros that crowd a cell (a gradient's, ReLU outputs) are kept under a slot of their
        // own, which pass 3 skips; zeros within a tolerance crowding one are left to pass 3's
        // gather from the values, without branches.
        let exactZeros = T.roundedDown(options.zeroTolerance) == 0 ? scan.zeroCount : 0
        let markZeros = exactZeros > scan.finiteCount / 64
        let kept = !small && SecondPass.keepsSlots(formula: formula, inside: inside, count: values.count)
            && (scan.zeroCount <= scan.finiteCount / 32 || markZeros)
            ? UnsafeMutableRawPointer.allocate(byteCount: values.vectorCount * MemoryLayout<T.Packed>.stride, alignment: 16) : nil
        defer { kept?.deallocate() }
        let pass = SecondPass.runInChunks(
            values, layout: layout, formula: formula, inside: inside, finite: isFinite(scan), shift: shift, radix: formula == nil && !small,
            crowded: scan.zeroCount > scan.finiteCount / 8, keep: kept, markZeros: markZeros)
        let (low, high) = (Double(scan.min), Double(scan.max))
        let derived = MomentStatistics.scale(min: low, max: high).map {
            MomentStatistics(scaling: values, by: $0, count: scan.finiteCount, min: low, max: high)
        } ?? MomentStatistics(count: scan.finiteCount, shift: shift, sums: pass.totals.sums, min: low, max: high)
        let moments = derived.moments

        let ranks = probabilities.map { QuantileRank(probability: $0, count: scan.finiteCount) }
        var wanted = [Int]()
        for rank in ranks {
            if !wanted.contains(rank.lower) { wanted.append(rank.lower) }
            if !wanted.contains(rank.upper) { wanted.append(rank.upper) }
        }
        wanted.sort()
        let inliers = derived.inliers(threshold: options.outlierThreshold, as: T.self)
        let selection: QuantileSelection<T>.Outcome
        if small {
            let keys = QuantileSelection<T>.keys(from: scan.min, through: scan.max)
            selection = QuantileSelection<T>.selectAmongAll(
                wanted, in: values, clean: clean, low: keys.low, high: keys.high, inlierLow: inliers.low, inlierHigh: inliers.high)
        } else {
            let groups = quantileGroups(ranks: wanted, scan: scan, layout: cellLayout, formula: formula, pass: pass)
            selection = QuantileSelection<T>.select(
                groups, rankCount: wanted.count, in: values, gatherBudget: gatherBudget(finiteCount: scan.finiteCount),
                inlierLow: inliers.low, inlierHigh: inliers.high, formula: formula,
                whole: inside && formula != nil ? QuantileSelection<T>.WholeCells(
                    formula: formula!, counts: pass.cells, lowest: layout.lowest, highest: layout.highest,
                    negativeInfinities: scan.negativeInfCount, positiveInfinities: scan.positiveInfCount) : nil,
                zeroCount: exactZeros, kept: kept.map(UnsafeRawPointer.init), markedZeros: pass.zerosMarked ? exactZeros : 0)
        }
        func value(_ rank: Int) -> T { selection.values[wanted.firstIndex(of: rank) ?? 0] }
        let quantiles = ranks.map { QuantileRank.interpolate(value($0.lower), value($0.upper), $0.fraction) }
        var outliers = selection.totals.outliers
        if inliers.low > -.infinity { outliers -= scan.negativeInfCount }
        if inliers.high < .infinity { outliers -= scan.positiveInfCount }

        let statistics = DistributionStatistics(
            totalCount: scan.finiteCount, nanCount: scan.nanCount, infCount: scan.infCount,
            zeroCount: scan.zeroCount, outlierCount: outliers, outlierThreshold: options.outlierThreshold,
            min: moments.min, max: moments.max, sum: derived.sum, sumOfSquares: derived.sumOfSquares,
            mean: moments.mean, standardDeviation: derived.standardDeviation,
            skewness: derived.skewness, kurtosis: derived.kurtosis,
            quantiles: quantiles, estimated: [])
        return HistogramSummary(
            histogram: Histogram(
                edges: layout.edges, counts: pass.binCounts(binCount: layout.binCount),
                underflow: pass.totals.underflow, overflow: pass.totals.overflow),
            statistics: statistics, moments: moments)
    }

    /// Only the histogram: the first pass for the range and special counts, the second for the counts.
    static func histogram<T: EngineFloat>(_ values: ValueStream<T>, bins config: BinConfig) throws -> ValueHistogram {
        try config.validate()
        let scan = ValueScan.scan(values, magnitudes: config.edges == nil && config.scale != .linear, zeroTolerance: nil)
        let layout = try resolveLayout(config, scan: scan, values: values)
        var histogram = Histogram(edges: layout.edges, counts: [Double](repeating: 0, count: layout.binCount))
        if scan.finiteCount > 0 {
            let cellLayout = cells(of: layout)
            let formula = CellFormula(cellLayout, fineBits: layout.isUniform ? 1 : fineBits(binCount: cellLayout.binCount, count: scan.finiteCount))
            let pass = SecondPass.runInChunks(
                values, layout: layout, formula: formula, inside: isInside(scan, layout), finite: isFinite(scan), shift: nil, radix: false)
            histogram = Histogram(
                edges: layout.edges, counts: pass.binCounts(binCount: layout.binCount),
                underflow: pass.totals.underflow, overflow: pass.totals.overflow)
        }
        return ValueHistogram(
            histogram: histogram, totalCount: scan.finiteCount, nanCount: scan.nanCount, infCount: scan.infCount,
            min: Double(scan.min), max: Double(scan.max))
    }

    /// The layout whose cells count the values and locate the quantiles: `layout` itself when its
    /// bins have equal widths; otherwise equal-width bins over the same range (the same `lowest`
    /// and `highest`), through whose cells `SecondPass` counts `layout`'s bins. `layout` when its
    /// range has no room for them, or it has more than 2^12 bins (the cells' tables would outgrow
    /// the caches): it is then searched, and the quantiles located by radix.
    static func cells<T: EngineFloat>(of layout: BinLayout<T>) -> BinLayout<T> {
        guard !layout.isUniform, layout.binCount <= 1 << 12, layout.lowest < layout.highest,
              let cells = BinLayout<T>.uniform(lower: Double(layout.lowest), upper: Double(layout.highest), bins: layout.binCount),
              cells.isUniform, cells.lowest == layout.lowest, cells.highest == layout.highest
        else { return layout }
        return cells
    }

    /// Every finite value lies inside the layout's range: the cells hold them all.
    static func isInside<T: EngineFloat>(_ scan: ValueScan<T>, _ layout: BinLayout<T>) -> Bool {
        layout.lowest <= scan.min && scan.max <= layout.highest
    }

    /// Every value is finite: pass 2 needs no masks for NaN and ±Inf.
    static func isFinite<T: EngineFloat>(_ scan: ValueScan<T>) -> Bool { scan.nanCount == 0 && scan.infCount == 0 }

    /// Cells per bin as a power of two: about 2048 cells in all, enough to leave each quantile a
    /// small neighbourhood to gather, few enough for the counts to stay in the L1 cache, and no
    /// more than about one per 16 values (below 32,768 values, zeroing and folding the cells
    /// would cost more than the candidates they spare: four copies of them for a ReLU tensor);
    /// at least two per bin (`CellFormula` needs `fineBits >= 1`). Heavy tails stretch the range
    /// far beyond the bulk of the values (`spread`, range over standard deviation, above 10): the
    /// cells grow with it, up to 2^15, one per 8 values and one per value, so that the quantiles'
    /// cells hold about as few values as a normal tensor's instead of needing a refining pass.
    static func fineBits(binCount: Int, count: Int = .max, spread: Double = 0) -> Int {
        let wanted = spread > 10 ? Swift.min(Double(1 << 15) - 3, 2048 * spread / 10, Double(Swift.max(2048, count / 8))) : 2048
        let cells = Swift.min(Int(wanted), Swift.max(spread > 10 ? count : count / 16, 64))
        var bits = 1
        while bits < 16 && binCount << (bits + 1) <= cells { bits += 1 }
        return bits
    }

    /// The key ranges holding the wanted ranks: underflow, fine cells and overflow for a uniform
    /// layout; radix buckets of the top 16 key bits otherwise.
    static func quantileGroups<T: EngineFloat>(
        ranks: [Int], scan: ValueScan<T>, layout: BinLayout<T>, formula: CellFormula<T>?, pass: SecondPass.Result
    ) -> [QuantileSelection<T>.Group] {
        let indexed = ranks.enumerated().map { (index: $0.offset, rank: $0.element) }
        typealias Selection = QuantileSelection<T>
        guard let formula, pass.radix.isEmpty else {
            var counts = pass.radix
            // NaN and ±Inf (and the streams' NaN padding) sit in buckets of their own.
            let first = Int(truncatingIfNeeded: Selection.keys(from: scan.min, through: scan.max).low >> (Selection.keyBits - 16))
            let last = Int(truncatingIfNeeded: Selection.keys(from: scan.min, through: scan.max).high >> (Selection.keyBits - 16))
            for i in counts.indices where i < first || i > last { counts[i] = 0 }
            return Selection.split(ranks: indexed, counts: counts) { bucket in
                let low = T.Key(truncatingIfNeeded: bucket) << (Selection.keyBits - 16)
                return (low, low | (T.Key.max >> 16))
            }
        }
        let cells = pass.cells.count
        // The smallest value of cell `j`, by the kernels' slot formula (monotone in x).
        func cellStart(_ j: Int) -> T {
            let guess = T.roundedUp(Double(layout.lowest) + (Double(layout.highest) - Double(layout.lowest)) * (Double(j) / Double(cells)))
            return BinLayout<T>.smallest(in: layout.lowest...layout.highest, near: guess) { formula.cell($0) >= j } ?? layout.highest
        }
        let underflow = scan.finiteCount - pass.cells.reduce(0, +) - pass.totals.overflow
        let counts = [underflow] + pass.cells + [pass.totals.overflow]
        return Selection.split(ranks: indexed, counts: counts, cell: { part in part >= 1 && part <= cells ? part - 1 : nil }) { part in
            if part == 0 { return Selection.keys(from: scan.min, through: Swift.max(layout.lowest.nextDown, scan.min)) }
            if part == counts.count - 1 { return Selection.keys(from: Swift.min(layout.highest.nextUp, scan.max), through: scan.max) }
            let j = part - 1
            let start = j == 0 ? layout.lowest : cellStart(j)
            let end = j == cells - 1 ? layout.highest : cellStart(j + 1).nextDown
            return Selection.keys(from: start, through: Swift.max(start, end))
        }
    }

    /// `[low, high]`: the values of type `T` with `|x - mean| <= limit` computed in `Double`, the
    /// complement of the outliers. An infinite bound means no finite value is an outlier on that side.
    static func inlierRange<T: EngineFloat>(mean: Double, limit: Double, as: T.Type) -> (low: T, high: T) {
        guard mean.isFinite, limit.isFinite else { return (-.infinity, .infinity) }
        let all = -T.greatestFiniteMagnitude...T.greatestFiniteMagnitude
        var low = BinLayout<T>.smallest(in: all, near: T.roundedDown(mean - limit)) { Double($0) - mean >= -limit } ?? .infinity
        if low == -T.greatestFiniteMagnitude { low = -.infinity }
        var high = T.infinity
        if let above = BinLayout<T>.smallest(in: all, near: T.roundedUp(mean + limit), where: { Double($0) - mean > limit }) {
            high = above.nextDown
        }
        return (low, high)
    }

    /// The most values pass 3 gathers for the quantiles: 2^16, or an eighth of the input (half a
    /// MiB of keys for a million floats); beyond it, groups are refined by a counting pass first.
    static func gatherBudget(finiteCount: Int) -> Int { Swift.max(1 << 16, finiteCount / 8) }

    /// The bin layout for `config` over the scanned values.
    static func resolveLayout<T: EngineFloat>(_ config: BinConfig, scan: ValueScan<T>, values: ValueStream<T>) throws -> BinLayout<T> {
        if let edges = config.edges { return .explicit(edges: edges) }
        var logarithmic = config.scale == .logarithmic
        if config.scale == .automatic && scan.finiteCount > 0 {
            let largest = Swift.max(abs(Double(scan.min)), abs(Double(scan.max)))
            let magnitudes = ValueScan<T>.countNonzero(values, below: largest * AutomaticScale.decadesBelowLargest)
            logarithmic = AutomaticScale.prefersLogarithmic(nonzeroCount: magnitudes.nonzero, smallCount: magnitudes.small)
        }
        if let range = config.range {
            if logarithmic, let layout = BinLayout<T>.logarithmic(
                lower: range.lower, upper: range.upper, smallestMagnitude: scan.smallestNonzeroMagnitude, bins: config.bins) {
                return layout
            }
            guard let layout = BinLayout<T>.uniform(lower: range.lower, upper: range.upper, bins: config.bins) else {
                throw HistlogError.invalidArgument(
                    "range (\(range.lower), \(range.upper)) is too narrow for \(config.bins) bins of distinct edges")
            }
            return layout
        }
        guard scan.finiteCount > 0 else {
            // numpy's range for empty input.
            return BinLayout<T>.uniform(lower: 0, upper: 1, bins: config.bins) ?? .explicit(edges: BinLayout<T>.linspace(0, 1, config.bins))
        }
        if logarithmic, let layout = BinLayout<T>.logarithmic(
            lower: Double(scan.min), upper: Double(scan.max), smallestMagnitude: scan.smallestNonzeroMagnitude, bins: config.bins) {
            return layout
        }
        return .automatic(min: scan.min, max: scan.max, bins: config.bins)
    }
}
