/// The second streaming pass over raw values: bin counts, central power sums about a shift (in
/// `Double`), and the top-digit radix counts that `RadixSelection` starts from
/// (`EngineFloat.binBlock`).
///
/// Bin counts go to four interleaved count arrays (lane `i` into copy `i % 4`), summed at the
/// end: successive values usually fall in the same few bins, and one array would serialise on
/// store-to-load forwarding of the same counter.
enum SecondPass {
    struct Result {
        var counts: [Double]
        var totals: BinTotals
    }

    /// - Parameters:
    ///   - shift: the centre of the power sums; nil skips them (histogram only).
    ///   - radix: 2^16 counters of the values' top key digits (NaN and ±Inf land in buckets of
    ///     their own: `RadixSelection.dropNonFinite`); nil skips them.
    static func run<T: EngineFloat>(
        _ values: UnsafeBufferPointer<T>, layout: BinLayout<T>, shift: Double?, radix: UnsafeMutableBufferPointer<Int>?
    ) -> Result {
        let binCount = layout.binCount
        let stride = binCount + 1
        let copies = BinningPlan<T>.copies
        var storage = [Int](repeating: 0, count: copies * stride)
        var totals = BinTotals()
        var thresholds = [T]()
        if case .search(let t) = layout.locator { thresholds = t }
        storage.withUnsafeMutableBufferPointer { bins in
            thresholds.withUnsafeBufferPointer { thresholds in
                var plan = BinningPlan<T>(
                    lowest: layout.lowest, highest: layout.highest, uniform: false, thresholds: thresholds,
                    binCount: binCount, bins: bins.baseAddress!)
                if case .uniform(let halving, let offset, let scale) = layout.locator {
                    plan.uniform = true
                    plan.halving = halving
                    plan.offset = offset
                    plan.scale = scale
                }
                let radix = radix?.baseAddress
                VectorStream.forEachBlock(values) { pointer, vectors in
                    T.binBlock(pointer, vectors, plan: plan, shift: shift, radix: radix, into: &totals)
                }
            }
        }
        let counts = (0..<binCount).map { i in
            var total = 0
            for copy in 0..<copies { total += storage[copy * stride + i] }
            return Double(total)
        }
        return Result(counts: counts, totals: totals)
    }
}
