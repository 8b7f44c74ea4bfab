/// The statistics the moments give: what `DistributionStatistics` reports of them.
struct MomentStatistics {
    var moments: Moments
    var standardDeviation: Double
    var skewness: Double
    var kurtosis: Double
    var sum: Double
    var sumOfSquares: Double
    /// The values were scaled by `2^-exponent` for their power sums (0: not scaled); `unitMean`
    /// and `unitStandardDeviation` are theirs, so that bounds such as `mean ± 3 std` are taken
    /// where they do not overflow.
    var exponent = 0
    var unitMean: Double
    var unitStandardDeviation: Double

    /// From power sums `sums` about `shift` of `count` finite values (pass 2's).
    init(count: Int, shift: Double, sums: PowerSums, min: Double, max: Double) {
        moments = Moments.fromShiftedSums(count: count, shift: shift, s1: sums.s1, s2: sums.s2, s3: sums.s3, s4: sums.s4, min: min, max: max)
        let n = Double(count)
        standardDeviation = moments.sampleVariance.squareRoot()
        skewness = moments.skewness
        kurtosis = moments.excessKurtosis
        sum = n * shift + sums.s1
        sumOfSquares = moments.m2 + n * moments.mean * moments.mean
        unitMean = moments.mean
        unitStandardDeviation = standardDeviation
    }

    /// Finite values whose largest magnitude lies beyond 2^±200 (float64 data only) would carry
    /// their fourth powers out of `Double`'s range, and beyond about 9e307 the deviations from
    /// the shift too. This many powers of two bring them back (nil when they need none).
    static func scale(min: Double, max: Double) -> Int? {
        let largest = Swift.max(Swift.abs(min), Swift.abs(max))
        guard largest.isFinite, largest > 0, largest >= 0x1p200 || largest < 0x1p-200 else { return nil }
        return Int(largest.exponent)
    }

    /// The same statistics from the values scaled by `2^-exponent` (exact powers of two, so the
    /// shape, skewness and kurtosis, is the values' own, and mean and standard deviation are
    /// scaled back without rounding): their mean first, then their power sums about it, each
    /// summed a block at a time. Sums, the stored central sums and sums of squares become ±Inf
    /// (or 0) only where their true value leaves `Double`'s range.
    init<T: EngineFloat>(scaling values: ValueStream<T>, by exponent: Int, count: Int, min: Double, max: Double) {
        func scaled(_ x: Double, _ power: Int) -> Double { Double(sign: .plus, exponent: power, significand: x) }
        /// Σ over the finite values of `terms(x · 2^-exponent)`, in blocks of 1,024 values, so that
        /// rounding grows with the number of blocks rather than of values.
        func blockSums(_ terms: (Double) -> PowerSums) -> PowerSums {
            var total = PowerSums()
            var start = 0
            while start < values.count {
                var block = PowerSums()
                for i in start..<Swift.min(start + 1024, values.count) where values[i].isFinite {
                    block.add(terms(scaled(Double(values[i]), -exponent)))
                }
                total.add(block)
                start += 1024
            }
            return total
        }
        let shift = blockSums { PowerSums(s1: $0) }.s1 / Double(count)
        let sums = blockSums { x in
            let d = x - shift, d2 = d * d
            return PowerSums(s1: d, s2: d2, s3: d2 * d, s4: d2 * d2)
        }
        let unit = MomentStatistics(count: count, shift: shift, sums: sums, min: scaled(min, -exponent), max: scaled(max, -exponent))
        let m = unit.moments
        moments = Moments(
            count: count, mean: Swift.min(Swift.max(scaled(m.mean, exponent), min), max), m2: scaled(m.m2, 2 * exponent),
            m3: scaled(m.m3, 3 * exponent), m4: scaled(m.m4, 4 * exponent), min: min, max: max)
        standardDeviation = scaled(unit.standardDeviation, exponent)
        skewness = unit.skewness
        kurtosis = unit.kurtosis
        sum = scaled(unit.sum, exponent)
        sumOfSquares = scaled(unit.sumOfSquares, 2 * exponent)
        self.exponent = exponent
        unitMean = m.mean
        unitStandardDeviation = unit.standardDeviation
    }

    /// `[low, high]`: the values of type `T` within `threshold` standard deviations of the mean
    /// (`ValueSummarizer.inlierRange`), taken among the scaled values when these were scaled.
    func inliers<T: EngineFloat>(threshold: Double, as type: T.Type) -> (low: T, high: T) {
        let (low, high) = ValueSummarizer.inlierRange(mean: unitMean, limit: threshold * unitStandardDeviation, as: T.self)
        func back(_ x: T) -> T { T(sign: .plus, exponent: T.Exponent(exponent), significand: x) }
        return exponent == 0 ? (low, high) : (back(low), back(high))
    }
}
