extension BinScale {
    /// `BinScale.automatic` decided over values summarised elsewhere (other processes, a GPU),
    /// in two steps: the magnitude below which a nonzero finite value counts as small, from the
    /// largest finite magnitude (`10⁻³` of it); then the scale from the counts of nonzero and of
    /// small finite values (`automatic(nonzeroCount:smallCount:)`). The same rule as for raw
    /// values (`AutomaticScale`). `hl_auto_scale_threshold`, `hl_auto_scale` in C.
    public static func automaticSmallMagnitude(largest: Double) -> Double {
        largest * AutomaticScale.decadesBelowLargest
    }

    /// `.logarithmic` when at least half the nonzero finite values are small, else `.linear`
    /// (also without a nonzero value). Throws for negative counts or more small than nonzero.
    public static func automatic(nonzeroCount: Int, smallCount: Int) throws -> BinScale {
        guard nonzeroCount >= 0, smallCount >= 0, smallCount <= nonzeroCount else {
            throw HistlogError.invalidArgument(
                "\(argument: "nonzeroCount") and \(argument: "smallCount") must be >= 0 with \(argument: "smallCount") <= \(argument: "nonzeroCount"), got \(nonzeroCount) and \(smallCount)")
        }
        return AutomaticScale.prefersLogarithmic(nonzeroCount: nonzeroCount, smallCount: smallCount) ? .logarithmic : .linear
    }
}
