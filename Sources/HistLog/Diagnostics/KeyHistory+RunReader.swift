extension KeyHistory {
    /// The history of `key` from its records in logged order (`RunReader.history(key:)`).
    public init(key: String, records: [HistogramRecord]) throws {
        try self.init(key: key, steps: records.map(\.step), summaries: records.map(\.summary), timestamps: records.map(\.timestamp))
    }
}

extension RunReader {
    /// Every key's history, in key order: the input of `Doctor`, `SummaryTable` and `HTMLReport`.
    public func keyHistories() throws -> [KeyHistory] {
        try keys.map { try KeyHistory(key: $0, records: history(key: $0)) }
    }
}
