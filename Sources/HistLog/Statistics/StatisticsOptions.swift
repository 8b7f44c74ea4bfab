/// What a bin accumulates beyond counts: options of the distribution statistics.
public struct StatisticsOptions: Sendable, Equatable {
    /// k in `|x - mean| > k * std` for `outlierCount`. Must be finite and > 0.
    public var outlierThreshold: Double
    /// `|x| <= zeroTolerance` counts as zero. 0 (the default) counts exact zeros (+0 and -0) only.
    public var zeroTolerance: Double

    public init(outlierThreshold: Double = 3, zeroTolerance: Double = 0) {
        self.outlierThreshold = outlierThreshold
        self.zeroTolerance = zeroTolerance
    }
}
