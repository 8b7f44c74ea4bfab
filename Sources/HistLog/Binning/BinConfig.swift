/// How bin edges are laid out over the data.
public enum BinScale: Sendable, Equatable {
    /// Equal-width bins over `[min, max]` (or the fixed range), numpy's rule.
    case linear
    /// Symmetric logarithmic bins: mirrored log-spaced bins on each side of zero and one linear
    /// bin around zero, so negative values and zeros are binned too.
    case logarithmic
    /// Logarithmic when the finite values span many decades, otherwise linear.
    case automatic
}

/// Where values land: the bin layout of one histogram (numpy's words: `bins`, `range`, `edges`).
public struct BinConfig: Sendable, Equatable {
    /// Number of bins, at least 1. Ignored when `edges` is set.
    public var bins: Int
    public var scale: BinScale
    /// A fixed range `(lower, upper)`; finite values outside it are counted as under/overflow.
    public var range: (lower: Double, upper: Double)?
    /// Explicit edges (strictly increasing, finite, at least 2); overrides bins, scale and range.
    public var edges: [Double]?

    public init(bins: Int = 30, scale: BinScale = .linear, range: (lower: Double, upper: Double)? = nil, edges: [Double]? = nil) {
        self.bins = bins
        self.scale = scale
        self.range = range
        self.edges = edges
    }

    public static func == (a: BinConfig, b: BinConfig) -> Bool {
        a.bins == b.bins && a.scale == b.scale && a.edges == b.edges
            && a.range?.lower == b.range?.lower && a.range?.upper == b.range?.upper
    }
}
