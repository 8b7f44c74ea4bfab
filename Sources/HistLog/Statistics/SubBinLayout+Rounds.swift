/// The parts of a reduction over shards that are rules rather than kernels: how finely the
/// regions are split, which sub-bins hold the quantiles, and how the fine histogram is put
/// together from the rounds (`bindings/python/histlog/_device.py` runs the kernels where the
/// tensor lives and asks for these through `Include/histlog.h`).
extension SubBinLayout {
    /// About this many sub-bins in all, whatever the bin count (32 KiB of counts).
    public static let targetSubBinCount = 4096
    /// Parts of each quantile sub-bin in the last round (at most 5 such sub-bins: 10 KiB): each
    /// quantile comes out within `bin width / (subdivisions · zoomParts)` of a value next to it.
    public static let zoomParts = 256
    /// The most bins a fine histogram may hold: a sub-bin per region of the largest layout
    /// (`BinConfig.maximumBins + 2` regions; smaller layouts hold fewer than 8,192), with the
    /// quantiles' sub-bins each split into `zoomParts`.
    public static let maximumFineBins = BinConfig.maximumBins + 2 + DistributionStatistics.quantileProbabilities.count * (zoomParts - 1)

    /// Sub-bins per region for `binCount` bins (`binCount + 2` regions): ⌈4096 / (binCount + 2)⌉, at least 1.
    public static func subdivisions(binCount: Int) -> Int {
        let regions = binCount + 2
        return Swift.max(1, (targetSubBinCount + regions - 1) / regions)
    }

    /// The `n + 3` region bounds: `[min(lower, edges[0]), edges..., max(upper, edges[n])]`.
    public var regionBounds: [Double] { bounds }
    /// Sub-bins per unit length of each of the `n + 2` regions; 0 where a region is not split.
    public var regionScales: [Double] { scales }
    /// The `subBinCount + 1` sub-bin edges (non-decreasing; see `subBinEdge`).
    public var subBinEdges: [Double] { (0...subBinCount).map(subBinEdge) }

    /// The distinct sub-bins where the cumulative count first reaches `p · count` for each
    /// quantile probability `p` (`DistributionStatistics.quantileProbabilities`), ascending:
    /// where the estimate of each quantile falls. Empty when `count` is 0.
    public static func quantileSubBins(_ subCounts: [Double], count: Int) -> [Int] {
        guard count > 0 else { return [] }
        var cumulative: [Double] = []
        cumulative.reserveCapacity(subCounts.count)
        var total = 0.0
        for c in subCounts { total += c; cumulative.append(total) }
        var chosen: [Int] = []
        for p in DistributionStatistics.quantileProbabilities {
            let target = p * Double(count)
            // The first index whose cumulative count is >= target (numpy's searchsorted, side left).
            var low = 0, high = cumulative.count
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] < target { low = middle + 1 } else { high = middle }
            }
            if chosen.last != low { chosen.append(low) }
        }
        return chosen
    }

    /// The fine histogram of a reduction: the sub-bins (`subEdges`, `subCounts`), each `zoomed`
    /// one (ascending) replaced by its `parts` parts with `zoomCounts` (`parts` per zoomed
    /// sub-bin, in order), as strictly increasing edges: a bin of zero width gives its count to
    /// the bin that starts at its edge (the last bin, at the end). Throws for inconsistent sizes.
    public static func fineHistogram(
        subEdges: [Double], subCounts: [Double], zoomed: [Int], zoomCounts: [Double], parts: Int
    ) throws -> Histogram {
        guard subEdges.count == subCounts.count + 1, !subCounts.isEmpty else {
            throw HistlogError.invalidArgument(
                "\(argument: "subEdges") must have \(argument: "subCounts").count + 1 values, got \(subEdges.count) and \(subCounts.count)")
        }
        guard parts >= 1, parts <= BinConfig.maximumBins, zoomCounts.count == zoomed.count * parts else {
            throw HistlogError.invalidArgument(
                "\(argument: "zoomCounts") must hold \(argument: "parts") (1 ... \(BinConfig.maximumBins)) counts per zoomed sub-bin, got \(zoomCounts.count) for \(zoomed.count) x \(parts)")
        }
        var edges: [Double] = [], counts: [Double] = [], start = 0
        for (k, b) in zoomed.enumerated() {
            guard b >= start, b < subCounts.count else {
                throw HistlogError.invalidArgument("\(argument: "zoomed") must be ascending sub-bin numbers below \(subCounts.count), got \(b)")
            }
            edges += subEdges[start..<b]
            counts += subCounts[start..<b]
            let left = subEdges[b], width = subEdges[b + 1] - left
            let scale = Double(parts) / width
            let split = width > 0 && scale.isFinite
            edges += (0..<parts).map { split ? left + width * (Double($0) / Double(parts)) : left }
            counts += zoomCounts[(k * parts)..<((k + 1) * parts)]
            start = b + 1
        }
        edges += subEdges[start...]
        counts += subCounts[start...]
        var unique: [Double] = [edges[0]]
        for i in 1..<edges.count where edges[i] > edges[i - 1] { unique.append(edges[i]) }
        guard unique.count >= 2 else {
            throw HistlogError.invalidArgument("\(argument: "subEdges") must not all be equal")
        }
        var merged = [Double](repeating: 0, count: unique.count - 1)
        for (i, count) in counts.enumerated() {
            // The last unique edge <= edges[i] (numpy's searchsorted, side right, minus one), clamped.
            var low = 0, high = unique.count
            while low < high {
                let middle = (low + high) / 2
                if unique[middle] <= edges[i] { low = middle + 1 } else { high = middle }
            }
            merged[Swift.min(Swift.max(low - 1, 0), unique.count - 2)] += count
        }
        return Histogram(edges: unique, counts: merged)
    }
}
