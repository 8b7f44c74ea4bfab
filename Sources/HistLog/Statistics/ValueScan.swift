/// The first streaming pass over raw values (`EngineFloat.scanBlock`): NaN and ±Inf counts,
/// finite extremes, the count of zeros (`|x| <= zeroTolerance`), and the smallest nonzero
/// magnitude when the bin scale needs it.
///
/// The kernel keeps ±Inf in its extremes, which spares it a finiteness mask per value; the rare
/// input whose extremes come out infinite is rescanned with one (`finiteExtremesBlock`).
struct ValueScan<T: EngineFloat> {
    var finiteCount = 0
    var nanCount = 0
    var infCount = 0
    var zeroCount = 0
    var positiveInfCount = 0
    var negativeInfCount = 0
    /// Finite extremes; NaN when there is no finite value.
    var min: T = .nan
    var max: T = .nan
    /// Smallest nonzero finite `|x|` (when asked for), else +infinity.
    var smallestNonzeroMagnitude = Double.infinity

    /// `zeroTolerance` nil: zeros are not counted (`zeroCount` stays 0).
    static func scan(_ values: ValueStream<T>, magnitudes: Bool, zeroTolerance: T?) -> ValueScan {
        func chunkTotals<Magnitudes: KernelSwitch, Zeros: KernelSwitch>(_: Magnitudes.Type, _: Zeros.Type, _ range: Range<Int>) -> ScanTotals<T> {
            var totals = ScanTotals<T>()
            // `totals` goes in as an argument: captured by the local function, it would be boxed and
            // checked for exclusive access on every block.
            func block<Narrow: KernelSwitch>(_ pointer: UnsafeRawPointer, _ vectors: Int, _: Narrow.Type, _ totals: inout ScanTotals<T>) {
                T.scanBlock(
                    pointer, vectors, zeroTolerance: zeroTolerance ?? 0, magnitudes: Magnitudes.self, zeros: Zeros.self,
                    narrow: Narrow.self, into: &totals)
            }
            values.forEachBlock(vectors: range, narrowBlocks: true) { pointer, vectors, isPaddedTail in
                if values.isNarrow && !isPaddedTail { block(pointer, vectors, On.self, &totals) } else { block(pointer, vectors, Off.self, &totals) }
            }
            return totals
        }
        let counted = zeroTolerance != nil
        let chunks = EngineThreads.map(values) { range in
            switch (magnitudes, counted) {
            case (true, true): chunkTotals(On.self, On.self, range)
            case (true, false): chunkTotals(On.self, Off.self, range)
            case (false, true): chunkTotals(Off.self, On.self, range)
            case (false, false): chunkTotals(Off.self, Off.self, range)
            }
        }
        var totals = ScanTotals<T>()
        for chunk in chunks { totals.add(chunk) }
        var result = ValueScan()
        result.nanCount = totals.nan - values.padding
        result.zeroCount = totals.zeros
        var low = totals.min, high = totals.max
        if low == -.infinity || high == .infinity {
            let rescans = EngineThreads.map(values) { range in
                var totals = InfinityScan<T>()
                values.forEachBlock(vectors: range, narrowBlocks: true) { pointer, vectors, isPaddedTail in
                    if values.isNarrow && !isPaddedTail {
                        T.finiteExtremesBlock(pointer, vectors, narrow: On.self, into: &totals)
                    } else {
                        T.finiteExtremesBlock(pointer, vectors, narrow: Off.self, into: &totals)
                    }
                }
                return totals
            }
            var rescan = InfinityScan<T>()
            for chunk in rescans { rescan.add(chunk) }
            (low, high) = (rescan.min, rescan.max)
            result.positiveInfCount = rescan.positive
            result.negativeInfCount = rescan.negative
        }
        result.infCount = result.positiveInfCount + result.negativeInfCount
        result.finiteCount = values.count - result.nanCount - result.infCount
        if result.finiteCount > 0 {
            result.min = low
            result.max = high
            if magnitudes { result.smallestNonzeroMagnitude = Double(totals.smallestNonzeroMagnitude) }
        }
        return result
    }

    /// A value near the mean, to centre the power sums of pass 2: the mean of up to 1024 finite
    /// values at evenly spaced positions (shifted by up to three when none of them is finite, the
    /// midrange when still none is). Any centre gives exact central moments; one within a few
    /// standard deviations of the mean keeps the shifted sums small, so no precision is lost in
    /// turning them into central moments.
    /// `spread`: the range over the same values' standard deviation (0 when unknown), which tells
    /// how crowded equal-width cells will be: about 10 for normal values, far more for heavy tails.
    func centre(of values: ValueStream<T>) -> (centre: Double, spread: Double) {
        let stride = Swift.max(1, values.count / 1024)
        var sum = 0.0, squares = 0.0, count = 0
        // A pattern of NaN can hide every sampled position (NaN at every other index, an even
        // stride): the next offsets are sampled then, rather than the midrange taken.
        var offset = 0
        while count == 0 && offset < Swift.min(stride, 4) {
            var i = offset
            while i < values.count {
                if values[i].isFinite {
                    sum += Double(values[i])
                    squares += Double(values[i]) * Double(values[i])
                    count += 1
                }
                i += stride
            }
            offset += 1
        }
        let mean = sum / Double(count)
        guard count > 0 && mean.isFinite else { return (Double(min) / 2 + Double(max) / 2, 0) }
        let std = (Swift.max(squares / Double(count) - mean * mean, 0)).squareRoot()
        let spread = (Double(max) - Double(min)) / std
        return (mean, spread.isFinite ? spread : 0)
    }

    /// The number of nonzero finite values, and of those with `|x| < threshold`.
    static func countNonzero(_ values: ValueStream<T>, below threshold: Double) -> (nonzero: Int, small: Int) {
        // |x| < threshold exactly when |x| is below the smallest T at or above it.
        let below = T.roundedUp(threshold)
        var nonzero = 0, small = 0
        values.forEachBlock(narrowBlocks: true) { pointer, vectors, isPaddedTail in
            if values.isNarrow && !isPaddedTail {
                T.magnitudeBlock(pointer, vectors, below: below, narrow: On.self, nonzero: &nonzero, small: &small)
            } else {
                T.magnitudeBlock(pointer, vectors, below: below, narrow: Off.self, nonzero: &nonzero, small: &small)
            }
        }
        return (nonzero, small)
    }
}
