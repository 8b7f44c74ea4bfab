extension Moments {
    /// Moments of the union of two disjoint sets of values, exact up to rounding (Pébay 2008,
    /// "Formulas for robust, one-pass parallel computation of covariances and arbitrary-order
    /// statistical moments", eqs. 3.1-3.3; Chan, Golub and LeVeque for m2).
    ///
    /// With `n = na + nb` and `δ = mean_b - mean_a`:
    /// - `m2 = m2a + m2b + δ² na nb / n`
    /// - `m3 = m3a + m3b + δ³ na nb (na - nb) / n² + 3 δ (na m2b - nb m2a) / n`
    /// - `m4 = m4a + m4b + δ⁴ na nb (na² - na nb + nb²) / n³ + 6 δ² (na² m2b + nb² m2a) / n² + 4 δ (na m3b - nb m3a) / n`
    public func combined(with other: Moments) -> Moments {
        if other.count == 0 { return self }
        if count == 0 { return other }
        let na = Double(count), nb = Double(other.count)
        let n = na + nb
        let delta = other.mean - mean
        let deltaOverN = delta / n
        let mean = self.mean + deltaOverN * nb
        let m2 = self.m2 + other.m2 + delta * deltaOverN * na * nb
        let m3 = self.m3 + other.m3
            + deltaOverN * deltaOverN * delta * na * nb * (na - nb)
            + 3 * deltaOverN * (na * other.m2 - nb * self.m2)
        let m4 = self.m4 + other.m4
            + deltaOverN * deltaOverN * deltaOverN * delta * na * nb * (na * na - na * nb + nb * nb)
            + 6 * deltaOverN * deltaOverN * (na * na * other.m2 + nb * nb * self.m2)
            + 4 * deltaOverN * (na * other.m3 - nb * self.m3)
        return Moments(
            count: count &+ other.count, mean: mean, m2: m2, m3: m3, m4: m4,
            min: Swift.min(min, other.min), max: Swift.max(max, other.max))
    }

    /// Central moments from power sums about a shift `c` close to the mean:
    /// `s_k = Σ (x - c)^k`. Shifting by a value near the mean keeps the sums small, so the
    /// corrections below lose no precision (1e8 + N(0, 1) noise keeps its variance).
    static func fromShiftedSums(
        count: Int, shift c: Double, s1: Double, s2: Double, s3: Double, s4: Double, min: Double, max: Double
    ) -> Moments {
        guard count > 0 else { return .empty }
        let n = Double(count)
        let d = s1 / n  // mean - c
        let m2 = Swift.max(s2 - d * s1, 0)
        let m3 = s3 - 3 * d * s2 + 2 * d * d * s1
        let m4 = Swift.max(s4 - 4 * d * s3 + 6 * d * d * s2 - 3 * d * d * d * s1, 0)
        var mean = c + d
        // Rounding must not push the mean outside the values.
        if mean < min { mean = min }
        if mean > max { mean = max }
        return Moments(count: count, mean: mean, m2: m2, m3: m3, m4: m4, min: min, max: max)
    }

    /// Sample variance, ddof = 1 (`numpy.var(ddof=1)`); NaN when `count < 2`.
    var sampleVariance: Double { count < 2 ? .nan : m2 / Double(count - 1) }

    /// True when the variance is zero up to rounding, by scipy's rule for `skew`/`kurtosis`:
    /// population variance `<= (resolution · mean)²` with `resolution = 1e-15`.
    var hasZeroVariance: Bool {
        let variance = m2 / Double(count)
        let floor = 1e-15 * mean
        return !(variance > floor * floor)
    }

    /// Bias-corrected sample skewness G1 (`scipy.stats.skew(bias=False)`):
    /// `g1 = (m3/n) / (m2/n)^1.5`, `G1 = g1 · sqrt(n (n-1)) / (n-2)`. NaN when `n < 3` or the
    /// variance is zero.
    var skewness: Double {
        guard count >= 3, !hasZeroVariance, m2.isFinite, m3.isFinite else { return .nan }  // overflowed sums: undefined
        let n = Double(count)
        let variance = m2 / n
        let g1 = (m3 / n) / (variance * variance.squareRoot())
        return g1 * (n * (n - 1)).squareRoot() / (n - 2)
    }

    /// Bias-corrected sample excess kurtosis G2 (`scipy.stats.kurtosis(fisher=True, bias=False)`):
    /// `G2 = ((n² - 1) (m4/n) / (m2/n)² - 3 (n-1)²) / ((n-2)(n-3))`. NaN when `n < 4` or the
    /// variance is zero.
    var excessKurtosis: Double {
        guard count >= 4, !hasZeroVariance, m2.isFinite, m4.isFinite else { return .nan }
        let n = Double(count)
        let variance = m2 / n
        let ratio = (m4 / n) / (variance * variance)
        return ((n * n - 1) * ratio - 3 * (n - 1) * (n - 1)) / ((n - 2) * (n - 3))
    }
}
