/// Counts over bin edges. Bins are half-open `[edges[i], edges[i+1])` except the last, which
/// is closed (numpy's rule). Finite values outside `[edges.first, edges.last]` are counted in
/// `underflow` / `overflow`, never in a bin.
public struct Histogram: Sendable, Equatable {
    /// n + 1 strictly increasing finite edges.
    public var edges: [Double]
    /// n counts, finite and >= 0 (whole numbers for raw values).
    public var counts: [Double]
    public var underflow: Int
    public var overflow: Int

    public init(edges: [Double], counts: [Double], underflow: Int = 0, overflow: Int = 0) {
        self.edges = edges
        self.counts = counts
        self.underflow = underflow
        self.overflow = overflow
    }

    public var binCount: Int { counts.count }
}
