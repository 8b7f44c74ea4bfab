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

extension StatisticsOptions {
    /// Throws `invalidArgument` naming the first option outside what the engine accepts.
    public func validate() throws {
        guard outlierThreshold.isFinite, outlierThreshold > 0 else {
            throw HistlogError.invalidArgument("\(argument: "outlierThreshold") must be finite and > 0, got \(outlierThreshold)")
        }
        guard zeroTolerance.isFinite, zeroTolerance >= 0 else {
            throw HistlogError.invalidArgument("\(argument: "zeroTolerance") must be finite and >= 0, got \(zeroTolerance)")
        }
    }
}
