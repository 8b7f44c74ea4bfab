/// A run read once and looked at three ways: the doctor's findings, the summary table and the
/// HTML report. The C exports `hl_doctor`, `hl_summary_text` and `hl_report_write`, and through
/// them `histlog doctor | summary | report`, are each one call here.
///
/// ```swift
/// let run = try RunInspection(path: "runs/a")
/// print(try run.summaryText())
/// let findings = try run.writeHTMLReport(to: "a.html")
/// ```
public struct RunInspection: Sendable {
    public let path: String
    public let histories: [KeyHistory]

    /// Reads the run (a run directory, or TensorBoard event files: see `RunReader`).
    public init(path: String) throws {
        self.path = path
        self.histories = try RunReader(path: path).keyHistories()
    }

    /// A run already in memory, shown as coming from `path`.
    public init(path: String, histories: [KeyHistory]) {
        self.path = path
        self.histories = histories
    }

    /// The doctor's findings (see `Doctor`).
    public func findings(_ options: DoctorOptions = DoctorOptions()) throws -> [Finding] {
        try Doctor(options: options).examine(histories)
    }

    /// The `histlog summary` table (see `SummaryTable`).
    public func summaryText(width: Int = 100) throws -> String {
        try SummaryTable(width: width).render(histories.compactMap(KeyOverview.init))
    }

    /// Writes the HTML report with the doctor's findings at its top; returns the findings.
    @discardableResult
    public func writeHTMLReport(to output: String, doctor options: DoctorOptions = DoctorOptions(), report: HTMLReport? = nil) throws -> [Finding] {
        let findings = try findings(options)
        let report = try report ?? HTMLReport(title: "histlog report: " + lastComponent(path))
        try report.write(histories, findings: findings, source: path, to: output)
        return findings
    }
}

/// `runs/a/` -> `a`.
private func lastComponent(_ path: String) -> String {
    let trimmed = path.reversed().drop { $0 == "/" }.reversed()
    let name = String(trimmed).split(separator: "/").last.map(String.init) ?? path
    return name.isEmpty ? path : name
}
