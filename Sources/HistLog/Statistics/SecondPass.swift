/// The second streaming pass over raw values (`EngineFloat.binBlock`): counts per cell, central
/// power sums about a centre (in `Double`), and, for layouts without a formula, the top-digit
/// radix counts that locate the quantiles.
///
/// Cells: with a uniform layout each bin is split into `2^fineBits` equal cells by the same
/// formula times `2^fineBits` (exact: a power of two), so a value's bin is its cell shifted right
/// by `fineBits`, and the cells locate the quantiles for `QuantileSelection` with no extra
/// scatter per value. Counts are 32-bit (the cell table stays in the L1 cache) and folded into
/// `Int` totals every 2^31 values. Each count array has a power-of-two length, so a cell index
/// masked by it can never leave the table. The histogram alone, with at most 63 bins and every
/// value inside them, is counted in pairs (one counter per pair of cells), which halves the
/// scattered increments. With few cells, four interleaved count arrays (lane `i` into
/// array `i % 4`) keep successive values that hit the same cell from serialising on
/// store-to-load forwarding.
enum SecondPass {
    struct Result {
        /// Per cell; `cells.count == binCount << fineBits`.
        var cells: [Int]
        /// Per radix bucket of the top 16 key bits (empty unless asked for).
        var radix: [Int]
        var totals = BinTotals()

        func binCounts(binCount: Int) -> [Double] {
            let perBin = cells.count / binCount
            return (0..<binCount).map { bin in
                var total = 0
                for cell in bin * perBin..<(bin + 1) * perBin { total += cells[cell] }
                return Double(total)
            }
        }
    }

    static let foldEvery = 1 << 31

    /// - Parameters:
    ///   - fineBits: cells per bin, as a power of two (uniform layouts only).
    ///   - clean: every value is finite and inside the layout's range.
    ///   - shift: the centre of the power sums; nil skips them.
    ///   - radix: count the top 16 key bits of every value.
    static func run<T: EngineFloat>(
        _ values: UnsafeBufferPointer<T>, layout: BinLayout<T>, fineBits: Int, clean: Bool, shift: Double?, radix: Bool
    ) -> Result {
        var thresholds = [T]()
        var plan = BinningPlan<T>(
            lowest: layout.lowest, highest: layout.highest, uniform: false, thresholds: UnsafeBufferPointer(start: nil, count: 0),
            cells: layout.binCount, clean: false, counts: UnsafeMutablePointer(bitPattern: 1)!, stride: 0, copyMask: 0,
            indices: UnsafeMutableRawPointer(bitPattern: 1)!)
        var fineBits = fineBits
        switch layout.locator {
        case .uniform(let halving, let offset, let scale):
            let fineScale = scale * T(sign: .plus, exponent: T.Exponent(fineBits), significand: 1)
            if !(fineScale.isFinite && fineScale.isNormal && scale.isNormal) { fineBits = 0 }
            plan.uniform = true
            plan.halving = halving
            plan.offset = offset
            plan.scale = fineBits == 0 ? scale : fineScale
            plan.cells = layout.binCount << fineBits
            plan.clean = clean
        case .search(let t):
            thresholds = t
        }
        var stride = 1
        while stride <= plan.cells + 1 { stride <<= 1 }
        plan.stride = stride
        plan.copyMask = plan.cells <= 512 ? 3 : 0
        let copies = plan.copyMask + 1
        let pairWidth = plan.cells + 1
        var pairSize = 1
        while pairSize < pairWidth * pairWidth { pairSize <<= 1 }
        let usePairs = plan.clean && shift == nil && pairSize <= 4096
        var counts = [UInt32](repeating: 0, count: copies * stride)
        var pairCounts = [UInt32](repeating: 0, count: usePairs ? pairSize : 0)
        var radixCounts = [UInt32](repeating: 0, count: radix ? 1 << 16 : 0)
        var indices = [T.Lanes](repeating: T.Lanes(), count: VectorStream.blockVectors)
        var result = Result(cells: [Int](repeating: 0, count: plan.cells), radix: [Int](repeating: 0, count: radixCounts.count))

        func fold() {
            for copy in 0..<copies {
                for cell in 0..<plan.cells { result.cells[cell] += Int(counts[copy * stride + cell]) }
                result.cells[plan.cells - 1] += Int(counts[copy * stride + plan.cells])  // the top edge
            }
            if usePairs {
                for a in 0..<pairWidth {
                    for b in 0..<pairWidth {
                        let count = Int(pairCounts[a * pairWidth + b])
                        result.cells[Swift.min(a, plan.cells - 1)] += count
                        result.cells[Swift.min(b, plan.cells - 1)] += count
                    }
                }
            }
            for i in radixCounts.indices { result.radix[i] += Int(radixCounts[i]) }
            counts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            pairCounts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            radixCounts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        var start = 0
        repeat {
            let end = Swift.min(values.count, start + foldEvery)
            let chunk = UnsafeBufferPointer(rebasing: values[start..<end])
            indices.withUnsafeMutableBytes { indices in
                counts.withUnsafeMutableBufferPointer { counts in
                    pairCounts.withUnsafeMutableBufferPointer { pairCounts in
                        radixCounts.withUnsafeMutableBufferPointer { radixCounts in
                            thresholds.withUnsafeBufferPointer { thresholds in
                                plan.counts = counts.baseAddress!
                                plan.indices = indices.baseAddress!
                                plan.pairs = usePairs ? pairCounts.baseAddress : nil
                                plan.pairMask = pairSize - 1
                                plan.thresholds = thresholds
                                let radix = radix ? radixCounts.baseAddress : nil
                                VectorStream.forEachBlock(chunk) { pointer, vectors, isPaddedTail in
                                    var blockPlan = plan
                                    blockPlan.clean = plan.clean && !isPaddedTail
                                    T.binBlock(pointer, vectors, plan: blockPlan, shift: shift, radix: radix, into: &result.totals)
                                }
                            }
                        }
                    }
                }
            }
            fold()
            start = end
        } while start < values.count
        return result
    }
}
