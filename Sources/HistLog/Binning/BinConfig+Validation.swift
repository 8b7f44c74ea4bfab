extension BinConfig {
    /// The largest bin count accepted: beyond it a histogram stops being a summary.
    public static let maximumBins = 1_000_000

    /// Throws `invalidArgument` naming the first option outside what the engine accepts.
    public func validate() throws {
        if let edges {
            try Self.validate(edges: edges, name: "edges")
            return
        }
        guard bins >= 1, bins <= Self.maximumBins else {
            throw HistlogError.invalidArgument("bins must be between 1 and \(Self.maximumBins), got \(bins)")
        }
        if let range {
            guard range.lower.isFinite, range.upper.isFinite else {
                throw HistlogError.invalidArgument("range must be finite, got (\(range.lower), \(range.upper))")
            }
            guard range.lower < range.upper else {
                throw HistlogError.invalidArgument("range lower bound must be < upper bound, got (\(range.lower), \(range.upper))")
            }
        }
    }

    /// Edges must be at least 2, finite and strictly increasing, for at most `limit` bins.
    static func validate(edges: [Double], name: String, limit: Int = maximumBins) throws {
        guard edges.count >= 2 else {
            throw HistlogError.invalidArgument("\(name) must have at least 2 values, got \(edges.count)")
        }
        guard edges.count - 1 <= limit else {
            throw HistlogError.invalidArgument("\(name) must describe at most \(limit) bins, got \(edges.count - 1)")
        }
        for (i, edge) in edges.enumerated() {
            guard edge.isFinite else { throw HistlogError.invalidArgument("\(name)[\(i)] must be finite, got \(edge)") }
            if i > 0 && !(edges[i - 1] < edge) {
                throw HistlogError.invalidArgument("\(name) must be strictly increasing, but \(name)[\(i - 1)] = \(edges[i - 1]) >= \(name)[\(i)] = \(edge)")
            }
        }
    }
}
