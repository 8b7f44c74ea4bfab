/// The statistics the moments give: what `DistributionStatistics` reports of them.
struct MomentStatistics {
    var moments: Moments
    var standardDeviation: Double
    var skewness: Double
    var kurtosis: Double
    var sum: Double
    var sumOfSquares: Double

    /// From power sums `sums` about `shift` of `count` finite values (pass 2's).
    init(count: Int, shift: Double, sums: PowerSums, min: Double, max: Double) {
        moments = Moments.fromShiftedSums(count: count, shift: shift, s1: sums.s1, s2: sums.s2, s3: sums.s3, s4: sums.s4, min: min, max: max)
        let n = Double(count)
        standardDeviation = moments.sampleVariance.squareRoot()
        skewness = moments.skewness
        kurtosis = moments.excessKurtosis
        sum = n * shift + sums.s1
        sumOfSquares = moments.m2 + n * moments.mean * moments.mean
    }

    /// Finite values whose largest magnitude lies beyond 2^±200 (float64 data only) would carry
    /// their fourth powers out of `Double`'s range, and beyond about 9e307 the deviations from
    /// the shift too. This many powers of two bring them back (nil when they need none).
    static func scale(min: Double, max: Double) -> Int? {
        let largest = Swift.max(Swift.abs(min), Swift.abs(max))
        guard largest.isFinite, largest > 0, largest >= 0x1p200 || largest < 0x1p-200 else { return nil }
        return Int(largest.exponent)
    }

    /// The same statistics from power sums taken again over the values scaled by `2^-exponent`:
    /// exact powers of two, so the shape (skewness, kurtosis) is the values' own, and mean and
    /// standard deviation are scaled back without rounding. Sums, the stored central sums and
    /// sums of squares become ±Inf (or 0) only where their true value leaves `Double`'s range.
    init<T: EngineFloat>(scaling values: ValueStream<T>, by exponent: Int, count: Int, shift: Double, min: Double, max: Double) {
        func scaled(_ x: Double, _ power: Int) -> Double { Double(sign: .plus, exponent: power, significand: x) }
        let scaledShift = scaled(shift, -exponent)
        var sums = PowerSums()
        for i in 0..<values.count where values[i].isFinite {
            let d = scaled(Double(values[i]), -exponent) - scaledShift
            let d2 = d * d
            sums.s1 += d
            sums.s2 += d2
            sums.s3 += d2 * d
            sums.s4 += d2 * d2
        }
        let unit = MomentStatistics(count: count, shift: scaledShift, sums: sums, min: scaled(min, -exponent), max: scaled(max, -exponent))
        let m = unit.moments
        moments = Moments(
            count: count, mean: Swift.min(Swift.max(scaled(m.mean, exponent), min), max), m2: scaled(m.m2, 2 * exponent),
            m3: scaled(m.m3, 3 * exponent), m4: scaled(m.m4, 4 * exponent), min: min, max: max)
        standardDeviation = scaled(unit.standardDeviation, exponent)
        skewness = unit.skewness
        kurtosis = unit.kurtosis
        sum = scaled(unit.sum, exponent)
        sumOfSquares = scaled(unit.sumOfSquares, 2 * exponent)
    }
}
