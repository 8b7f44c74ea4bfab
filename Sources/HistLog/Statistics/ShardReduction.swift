/// The sub-bins of a histogram reduced over shards (other processes): every region — underflow
/// `[lower, edges[0])`, each bin (numpy's rule: `[edges[i], edges[i+1])`, the last closed),
/// overflow `(edges[n], upper]` — split into `subdivisions` equal sub-bins, numbered region by
/// region. `lower`/`upper` are the extremes of all the shards' finite values.
///
/// The Python binding computes the same numbers with torch operations for tensors on a GPU
/// (`histlog._device.SubBins`); both use the same floating-point operations, so a value lands
/// in the same sub-bin on either path.
public struct SubBinLayout: Sendable {
    public let edges: [Double]
    public let subdivisions: Int
    /// `[min(lower, edges[0]), edges..., max(upper, edges[n])]`: the n + 3 region bounds.
    let bounds: [Double]
    /// Sub-bins per unit length of each region; 0 for an empty region or one wider than Double's range.
    let scales: [Double]

    /// `lower`/`upper` nil: no finite value anywhere (the outer regions are then empty).
    /// Throws for invalid edges or `subdivisions` outside 1 ... `BinConfig.maximumBins`.
    public init(edges: [Double], lower: Double?, upper: Double?, subdivisions: Int) throws {
        try BinConfig.validate(edges: edges, name: "edges")
        guard subdivisions >= 1, subdivisions <= BinConfig.maximumBins else {
            throw HistlogError.invalidArgument("subdivisions must be between 1 and \(BinConfig.maximumBins), got \(subdivisions)")
        }
        for (name, bound) in [("lower", lower), ("upper", upper)] where bound.map({ !$0.isFinite }) ?? false {
            throw HistlogError.invalidArgument("\(name) must be finite (or absent), got \(bound!)")
        }
        let first = edges[0], last = edges[edges.count - 1]
        self.edges = edges
        self.subdivisions = subdivisions
        bounds = [Swift.min(lower ?? first, first)] + edges + [Swift.max(upper ?? last, last)]
        scales = (0..<(edges.count + 1)).map { [bounds] r in
            let width = bounds[r + 1] - bounds[r]
            let scale = Double(subdivisions) / width
            return width > 0 && width.isFinite && scale.isFinite ? scale : 0
        }
    }

    /// `(n + 2) · subdivisions`.
    public var subBinCount: Int { (edges.count + 1) * subdivisions }

    /// Calls `body` with a `SubBinLocator` over this layout's storage.
    func withLocator<R>(_ body: (SubBinLocator) throws -> R) rethrows -> R {
        try edges.withUnsafeBufferPointer { edges in
            try bounds.withUnsafeBufferPointer { bounds in
                try scales.withUnsafeBufferPointer { scales in
                    try body(SubBinLocator(edges: edges, bounds: bounds, scales: scales, subdivisions: subdivisions))
                }
            }
        }
    }

    /// The left edge of sub-bin `index` (`index == subBinCount`: the right end), non-decreasing:
    /// `left + width · (j / subdivisions)`, or `left` in a region that is not split.
    public func subBinEdge(_ index: Int) -> Double {
        let r = index / subdivisions, j = index % subdivisions
        guard r <= edges.count else { return bounds[bounds.count - 1] }
        return scales[r] > 0 ? bounds[r] + (bounds[r + 1] - bounds[r]) * (Double(j) / Double(subdivisions)) : bounds[r]
    }
}


/// The sub-bin of a value, over a `SubBinLayout`'s storage (valid inside `withLocator`).
struct SubBinLocator {
    let edges: UnsafeBufferPointer<Double>
    let bounds: UnsafeBufferPointer<Double>
    let scales: UnsafeBufferPointer<Double>
    let subdivisions: Int
    /// `n / (edges[n] - edges[0])` when the edges are close enough to equal widths that this
    /// guess of a value's bin is off by at most one (checked at `init`); else 0: binary search.
    let inverseWidth: Double
    let limit: Double

    init(edges: UnsafeBufferPointer<Double>, bounds: UnsafeBufferPointer<Double>, scales: UnsafeBufferPointer<Double>, subdivisions: Int) {
        self.edges = edges
        self.bounds = bounds
        self.scales = scales
        self.subdivisions = subdivisions
        limit = Double(subdivisions)
        let n = edges.count - 1, first = edges[0], span = edges[n] - first
        let step = span / Double(n)
        var nearlyEqual = span.isFinite && step > 0
        for i in 0...n where nearlyEqual {
            nearlyEqual = abs(edges[i] - (first + step * Double(i))) <= step / 4
        }
        inverseWidth = nearlyEqual ? Double(n) / span : 0
    }

    /// The region of a finite `x`: the number of edges `<= x` (0 underflow, `1...n` bin `k - 1`,
    /// `n + 1` overflow), except that `x == edges[n]` is in the last bin (numpy's rule).
    @inline(__always) func region(_ x: Double) -> Int {
        let n = edges.count - 1
        if x < edges[0] { return 0 }
        if x >= edges[n] { return x == edges[n] ? n : n + 1 }
        // edges[0] <= x < edges[n]: find the bin k with edges[k] <= x < edges[k + 1].
        var k: Int
        if inverseWidth > 0 {
            let guess = (x - edges[0]) * inverseWidth
            k = guess < Double(n - 1) ? Int(guess) : n - 1
            // Branch-free: on random data the direction of the correction is unpredictable.
            k += (x >= edges[k + 1] ? 1 : 0) &- (x < edges[k] ? 1 : 0)
        } else {
            var low = 0, high = n  // edges[low] <= x < edges[high]
            while high - low > 1 {
                let middle = (low + high) / 2
                if edges[middle] <= x { low = middle } else { high = middle }
            }
            k = low
        }
        return k + 1
    }

    /// The sub-bin of a finite `x`: `region · subdivisions + floor((x - left) · scale)`, clamped
    /// to the region; a region that is not split (scale 0) puts everything in its last sub-bin.
    @inline(__always) func subBin(_ x: Double) -> Int {
        let r = region(x)
        let scale = scales[r]
        guard scale > 0 else { return r * subdivisions + subdivisions - 1 }
        let position = (x - bounds[r]) * scale
        // Truncation is floor for position >= 0; NaN and negatives go to part 0.
        let part = position < limit ? (position >= 0 ? Int(position) : 0) : subdivisions - 1
        return r * subdivisions + part
    }
}

/// One shard's share of the rounds of a reduction over shards, as the vectors the shards add up
/// (see `bindings/python/histlog/distributed.py`). NaN and ±Inf are counted, never binned.
public enum ShardReduction {
    /// Round 2: `[finite count, zeros (|x| <= zeroTolerance), NaNs, Infs, sum, sub-bin counts...]`.
    public static func counts(_ values: UnsafeBufferPointer<Float>, layout: SubBinLayout, zeroTolerance: Double) throws -> [Double] {
        try countsOf(values, layout: layout, zeroTolerance: zeroTolerance)
    }

    /// As the `Float` form.
    public static func counts(_ values: UnsafeBufferPointer<Double>, layout: SubBinLayout, zeroTolerance: Double) throws -> [Double] {
        try countsOf(values, layout: layout, zeroTolerance: zeroTolerance)
    }

    /// Round 3: `[S1, S2, S3, S4, zoom counts...]` with `Sk = Σ (x - shift)^k` over the finite
    /// values, and each sub-bin of `zoomed` (strictly increasing sub-bin indices) split into
    /// `parts` equal parts: `zoomed.count · parts` counts, sub-bin by sub-bin.
    public static func sums(
        _ values: UnsafeBufferPointer<Float>, layout: SubBinLayout, shift: Double, zoomed: [Int], parts: Int
    ) throws -> [Double] {
        try sumsOf(values, layout: layout, shift: shift, zoomed: zoomed, parts: parts)
    }

    /// As the `Float` form.
    public static func sums(
        _ values: UnsafeBufferPointer<Double>, layout: SubBinLayout, shift: Double, zoomed: [Int], parts: Int
    ) throws -> [Double] {
        try sumsOf(values, layout: layout, shift: shift, zoomed: zoomed, parts: parts)
    }

    static func countsOf<T: BinaryFloatingPoint>(
        _ values: UnsafeBufferPointer<T>, layout: SubBinLayout, zeroTolerance: Double
    ) throws -> [Double] {
        guard zeroTolerance.isFinite, zeroTolerance >= 0 else {
            throw HistlogError.invalidArgument("\(argument: "zeroTolerance") must be finite and >= 0, got \(zeroTolerance)")
        }
        var subBins = [Int](repeating: 0, count: layout.subBinCount)
        var finite = 0, zeros = 0, nans = 0
        var sum = BlockedSums()
        layout.withLocator { locator in
            subBins.withUnsafeMutableBufferPointer { subBins in
                for value in values {
                    let x = Double(value)
                    guard x.isFinite else {
                        if x.isNaN { nans += 1 }
                        continue
                    }
                    finite += 1
                    sum.add(SIMD4(x, 0, 0, 0))
                    if abs(x) <= zeroTolerance { zeros += 1 }
                    subBins[locator.subBin(x)] += 1
                }
            }
        }
        let infs = values.count - finite - nans
        return [Double(finite), Double(zeros), Double(nans), Double(infs), sum.total[0]] + subBins.map(Double.init)
    }

    static func sumsOf<T: BinaryFloatingPoint>(
        _ values: UnsafeBufferPointer<T>, layout: SubBinLayout, shift: Double, zoomed: [Int], parts: Int
    ) throws -> [Double] {
        guard shift.isFinite else { throw HistlogError.invalidArgument("shift must be finite, got \(shift)") }
        guard parts >= 1, parts <= BinConfig.maximumBins else {
            throw HistlogError.invalidArgument("parts must be between 1 and \(BinConfig.maximumBins), got \(parts)")
        }
        var slots = [Int32](repeating: -1, count: layout.subBinCount)
        var lefts = [Double](), scales = [Double]()
        for (k, index) in zoomed.enumerated() {
            guard index >= 0, index < layout.subBinCount, k == 0 || index > zoomed[k - 1] else {
                throw HistlogError.invalidArgument(
                    "zoomed must be strictly increasing sub-bin indices below \(layout.subBinCount), got \(index) at \(k)")
            }
            slots[index] = Int32(k)
            let left = layout.subBinEdge(index), width = layout.subBinEdge(index + 1) - left
            let scale = Double(parts) / width
            lefts.append(left)
            scales.append(width > 0 && scale.isFinite ? scale : 0)
        }
        var zoom = [Int](repeating: 0, count: zoomed.count * parts)
        var powers = BlockedSums()
        let limit = Double(parts)
        layout.withLocator { locator in
            zoom.withUnsafeMutableBufferPointer { zoom in
                for value in values {
                    let x = Double(value)
                    guard x.isFinite else { continue }
                    let d = x - shift, d2 = d * d
                    powers.add(SIMD4(d, d2, d2 * d, d2 * d2))
                    guard !zoomed.isEmpty else { continue }
                    let k = Int(slots[locator.subBin(x)])
                    guard k >= 0 else { continue }
                    var part = parts - 1
                    if scales[k] > 0 {
                        let position = (x - lefts[k]) * scales[k]
                        part = position < limit ? (position >= 0 ? Int(position) : 0) : parts - 1
                    }
                    zoom[k * parts + part] += 1
                }
            }
        }
        let sums = powers.total
        return [sums[0], sums[1], sums[2], sums[3]] + zoom.map(Double.init)
    }
}

/// Four running sums accurate over millions of terms: terms are added in blocks of 1024, and the
/// blocks into the totals with compensation (Neumaier), so the error does not grow with the count.
struct BlockedSums {
    private var block = SIMD4<Double>(), sum = SIMD4<Double>(), compensation = SIMD4<Double>()
    private var terms = 0

    @inline(__always) mutating func add(_ values: SIMD4<Double>) {
        block += values
        terms += 1
        if terms == 1024 { fold() }
    }

    private mutating func fold() {
        let t = sum + block
        let bigger = sum.replacing(with: -sum, where: sum .< 0) .>= block.replacing(with: -block, where: block .< 0)
        compensation += ((sum - t) + block).replacing(with: (block - t) + sum, where: .!bigger)
        sum = t
        block = SIMD4()
        terms = 0
    }

    var total: SIMD4<Double> {
        var copy = self
        copy.fold()
        return copy.sum + copy.compensation
    }
}
