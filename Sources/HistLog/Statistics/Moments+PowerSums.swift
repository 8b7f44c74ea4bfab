import Glibc

extension Moments {
    /// The exact count, mean and central sums of values summarised elsewhere as power sums about
    /// a shift: `sums[k - 1] = Σ (x - shift)^k`, k = 1...4, over `count` finite values (`shift`
    /// an estimate of the mean, e.g. `Σx / count`, whose rounding `S1` measures).
    ///
    /// With `d = S1 / n`: `mean = shift + d`, `m2 = S2 - n d²` (clamped at 0),
    /// `m3 = S3 - 3 d S2 + 2 n d³`, `m4 = S4 - 4 d S3 + 6 d² S2 - 3 n d⁴` (the binomial expansion
    /// moving the sums to the mean; Pébay 2008). `count == 0` gives mean NaN and zero sums.
    /// `min`/`max` are the caller's. `hl_moments_from_sums` in C.
    public init(count: Int, shift: Double, powerSums sums: [Double], min: Double, max: Double) throws {
        guard count >= 0 else { throw HistlogError.invalidArgument("\(argument: "count") must be >= 0, got \(count)") }
        guard sums.count == 4 else {
            throw HistlogError.invalidArgument("\(argument: "powerSums") must hold S1...S4 (4 values), got \(sums.count)")
        }
        guard count > 0 else {
            self.init(count: 0, mean: .nan, m2: 0, m3: 0, m4: 0, min: min, max: max)
            return
        }
        // The operations, in this order, of the Python binding's former `moments_about_mean`,
        // so that results stay bit for bit what they were.
        let n = Double(count), (s1, s2, s3, s4) = (sums[0], sums[1], sums[2], sums[3])
        // 2n and 3n as exact integers while they fit (as Python's int arithmetic had them).
        let twice = count <= Int.max / 2 ? Double(2 * count) : 2 * n
        let thrice = count <= Int.max / 3 ? Double(3 * count) : 3 * n
        let d = s1 / n
        let m2 = s2 - n * d * d
        self.init(
            count: count, mean: shift + d, m2: 0 > m2 ? 0 : m2,
            m3: s3 - 3 * d * s2 + twice * pow(d, 3),
            m4: s4 - 4 * d * s3 + 6 * d * d * s2 - thrice * pow(d, 4),
            min: min, max: max)
    }
}
