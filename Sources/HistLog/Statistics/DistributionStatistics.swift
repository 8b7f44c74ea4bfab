/// Which statistics of a summary were estimated from its bins instead of computed exactly.
public struct EstimatedStatistics: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// sum, sumOfSquares, mean, standardDeviation, skewness, kurtosis (`HL_ESTIMATED_MOMENTS`).
    public static let moments = EstimatedStatistics(rawValue: 1)
    /// quantiles and median (`HL_ESTIMATED_QUANTILES`).
    public static let quantiles = EstimatedStatistics(rawValue: 2)
    /// outlierCount (`HL_ESTIMATED_OUTLIERS`).
    public static let outliers = EstimatedStatistics(rawValue: 4)
    /// min and max: the outer edges of a pre-computed histogram (`HL_ESTIMATED_MINMAX`).
    public static let extremes = EstimatedStatistics(rawValue: 8)
}

/// Central moments of the finite values, in the form that merges exactly (Pébay 2008):
/// `m2 = Σ(x - mean)²`, `m3 = Σ(x - mean)³`, `m4 = Σ(x - mean)⁴`.
public struct Moments: Sendable, Equatable {
    public var count: Int
    public var mean: Double
    public var m2: Double
    public var m3: Double
    public var m4: Double
    /// Smallest and largest finite value; NaN when `count == 0`.
    public var min: Double
    public var max: Double

    public init(count: Int, mean: Double, m2: Double, m3: Double, m4: Double, min: Double, max: Double) {
        self.count = count
        self.mean = mean
        self.m2 = m2
        self.m3 = m3
        self.m4 = m4
        self.min = min
        self.max = max
    }

    /// No values: count 0, NaN mean and extremes.
    public static let empty = Moments(count: 0, mean: .nan, m2: 0, m3: 0, m4: 0, min: .nan, max: .nan)
}

/// The distribution statistics of one tensor (see `Include/histlog.h` for the conventions:
/// finite values only, sample std with ddof = 1, corrected G1 skewness, corrected G2 excess
/// kurtosis, numpy-linear quantiles; NaN where undefined).
public struct DistributionStatistics: Sendable, Equatable {
    /// The probabilities of `quantiles`, in order.
    public static let quantileProbabilities: [Double] = [0.1, 0.25, 0.5, 0.75, 0.9]

    /// Number of finite values.
    public var totalCount: Int
    public var nanCount: Int
    /// +Inf and -Inf.
    public var infCount: Int
    /// `|x| <= zeroTolerance`; nil when it cannot be known (a pre-computed histogram).
    public var zeroCount: Int?
    /// `|x - mean| > outlierThreshold * std`.
    public var outlierCount: Int
    public var outlierThreshold: Double
    public var min: Double
    public var max: Double
    public var sum: Double
    public var sumOfSquares: Double
    public var mean: Double
    public var standardDeviation: Double
    public var skewness: Double
    public var kurtosis: Double
    /// At `quantileProbabilities`; NaN when `totalCount == 0`.
    public var quantiles: [Double]
    public var median: Double { quantiles[2] }
    public var estimated: EstimatedStatistics

    public init(
        totalCount: Int, nanCount: Int, infCount: Int, zeroCount: Int?, outlierCount: Int,
        outlierThreshold: Double, min: Double, max: Double, sum: Double, sumOfSquares: Double,
        mean: Double, standardDeviation: Double, skewness: Double, kurtosis: Double,
        quantiles: [Double], estimated: EstimatedStatistics
    ) {
        self.totalCount = totalCount
        self.nanCount = nanCount
        self.infCount = infCount
        self.zeroCount = zeroCount
        self.outlierCount = outlierCount
        self.outlierThreshold = outlierThreshold
        self.min = min
        self.max = max
        self.sum = sum
        self.sumOfSquares = sumOfSquares
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.skewness = skewness
        self.kurtosis = kurtosis
        self.quantiles = quantiles
        self.estimated = estimated
    }

    /// Equality that treats NaN as equal to NaN (undefined statistics compare equal).
    public static func == (a: DistributionStatistics, b: DistributionStatistics) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        return a.totalCount == b.totalCount && a.nanCount == b.nanCount && a.infCount == b.infCount
            && a.zeroCount == b.zeroCount && a.outlierCount == b.outlierCount
            && same(a.outlierThreshold, b.outlierThreshold) && same(a.min, b.min) && same(a.max, b.max)
            && same(a.sum, b.sum) && same(a.sumOfSquares, b.sumOfSquares) && same(a.mean, b.mean)
            && same(a.standardDeviation, b.standardDeviation) && same(a.skewness, b.skewness)
            && same(a.kurtosis, b.kurtosis) && a.quantiles.count == b.quantiles.count
            && zip(a.quantiles, b.quantiles).allSatisfy { same($0, $1) } && a.estimated == b.estimated
    }
}
