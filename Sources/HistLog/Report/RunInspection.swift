/// A run looked at three ways: the doctor's findings, the summary table and the HTML report.
/// The C exports `hl_doctor`, `hl_summary_text` and `hl_report_write`, and through them
/// `histlog doctor | summary | report`, are each one call here.
///
/// A run on disk is read one key at a time (on every processor, each holding one key's
/// statistics and the few histograms it shows): memory does not grow with the run's length.
///
/// ```swift
/// let run = try RunInspection(path: "runs/a")
/// print(try run.summaryText())
/// let findings = try run.writeHTMLReport(to: "a.html")
/// ```
public struct RunInspection: Sendable {
    public let path: String
    private let source: Source

    private enum Source: Sendable {
        case run(RunReader)
        case memory([KeyHistory])
    }

    /// Opens the run (a run directory, or TensorBoard event files: see `RunReader`); its keys
    /// are read by each of the methods below.
    public init(path: String) throws {
        self.path = path
        self.source = .run(try RunReader(path: path))
    }

    /// The run an open reader reads (`reader.path`); its keys are read by each method below.
    public init(reader: RunReader) {
        self.path = reader.path
        self.source = .run(reader)
    }

    /// A run already in memory, shown as coming from `path`.
    public init(path: String, histories: [KeyHistory]) {
        self.path = path
        self.source = .memory(histories)
    }

    /// The run's keys, in ascending order of their UTF-8 bytes.
    public var keys: [String] {
        switch source {
        case .run(let reader): reader.keys
        case .memory(let histories): histories.map(\.key).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
    }

    /// The doctor's findings (see `Doctor`).
    public func findings(_ options: DoctorOptions = DoctorOptions()) throws -> [Finding] {
        let doctor = try Doctor(options: options)
        let run = Doctor.RunKeys(keys)
        return doctor.combine(try eachKey { try doctor.examine($0, in: run) })
    }

    /// The `histlog summary` table (see `SummaryTable`).
    public func summaryText(width: Int = 100) throws -> String {
        let table = try SummaryTable(width: width)
        return table.render(try eachKey { try KeyOverview($0) }.compactMap { $0 })
    }

    /// Writes the HTML report with the doctor's findings at its top; returns the findings.
    @discardableResult
    public func writeHTMLReport(to output: String, doctor options: DoctorOptions = DoctorOptions(), report: HTMLReport? = nil) throws -> [Finding] {
        let doctor = try Doctor(options: options)
        let report = try report ?? HTMLReport(title: "histlog report: " + lastComponent(path))
        let run = Doctor.RunKeys(keys)
        let parts = try eachKey { history in (try doctor.examine(history, in: run), try report.keyData(history)) }
        let findings = doctor.combine(parts.map(\.0))
        try report.write(keys: parts.compactMap(\.1), findings: findings, source: path, to: output)
        return findings
    }

    /// `body` of every key's history, in key order. A run on disk is read one key at a time on
    /// each processor; the first error in key order is thrown.
    private func eachKey<T>(_ body: @escaping @Sendable (KeyHistory) throws -> T) throws -> [T] {
        switch source {
        case .memory(let histories):
            return try histories.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map(body)
        case .run(let reader):
            let keys = reader.keys
            return try concurrentMap(keys.count) { index in
                Result { try body(try KeyHistory(reader: reader, key: keys[index])) }
            }.map { try $0.get() }
        }
    }
}

/// `runs/a/` -> `a`.
private func lastComponent(_ path: String) -> String {
    let trimmed = path.reversed().drop { $0 == "/" }.reversed()
    let name = String(trimmed).split(separator: "/").last.map(String.init) ?? path
    return name.isEmpty ? path : name
}
