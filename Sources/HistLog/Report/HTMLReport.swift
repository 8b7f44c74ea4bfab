/// A run as one self-contained HTML page: no network access, no server. Styles and script are
/// inline; the data is one embedded JSON document (`ReportData`); charts are SVG drawn by the
/// page's script when they scroll into view, so a large run opens fast.
///
/// For every key the page shows the histogram over steps (ridgeline, TensorBoard's HISTOGRAMS
/// view), the percentile bands over steps (min, 10/25/50/75/90 %, max: its DISTRIBUTIONS view)
/// and the latest statistics; keys are grouped by their `/` folders; a filter box narrows them;
/// the doctor's findings come first. Steps are downsampled evenly (first and last kept) to at
/// most `maxRidges` ridges and `maxBandPoints` band points per key, so the file grows with the
/// number of keys, not with the number of steps (about 5 kB a key with the defaults).
///
/// ```swift
/// try RunInspection(path: "runs/a").writeHTMLReport(to: "a.html")   // reads the run key by key
/// ```
public struct HTMLReport: Sendable {
    /// The page's heading and title. Default: "histlog report".
    public var title: String
    /// Ridges drawn per histogram chart, at least 1. Default 50.
    public var maxRidges: Int
    /// Cells each ridge is resampled to across the key's value range, at least 2. Default 40.
    public var ridgeCells: Int
    /// Steps drawn per percentile-band chart, at least 1. Default 160.
    public var maxBandPoints: Int

    public init(title: String = "histlog report", maxRidges: Int = 50, ridgeCells: Int = 40, maxBandPoints: Int = 160) throws {
        guard maxRidges >= 1 && maxRidges <= 10_000 else { throw HistlogError.invalidArgument("maxRidges must be in 1...10000, got \(maxRidges)") }
        guard ridgeCells >= 2 && ridgeCells <= 1_000 else { throw HistlogError.invalidArgument("ridgeCells must be in 2...1000, got \(ridgeCells)") }
        guard maxBandPoints >= 1 && maxBandPoints <= 100_000 else {
            throw HistlogError.invalidArgument("maxBandPoints must be in 1...100000, got \(maxBandPoints)")
        }
        self.title = title
        self.maxRidges = maxRidges
        self.ridgeCells = ridgeCells
        self.maxBandPoints = maxBandPoints
    }

    /// The page. `source` is shown as where the data came from (a run path).
    public func render(_ histories: [KeyHistory], findings: [Finding], source: String) throws -> String {
        render(keys: try histories.compactMap(keyData), findings: findings, source: source)
    }

    /// Writes the page to `path` (replaced atomically: a temporary file renamed over it).
    /// Throws `.io` naming the path when the file cannot be written.
    public func write(_ histories: [KeyHistory], findings: [Finding], source: String, to path: String) throws {
        try write(keys: try histories.compactMap(keyData), findings: findings, source: source, to: path)
    }

    /// One key's part of the page (nil for a history without records): what the page keeps of
    /// a key, so that a run is read one key at a time.
    func keyData(_ history: KeyHistory) throws -> ReportData.KeyData? {
        try data.keyData(history)
    }

    func write(keys: [ReportData.KeyData], findings: [Finding], source: String, to path: String) throws {
        guard !path.isEmpty else { throw HistlogError.invalidArgument("output path must not be empty") }
        try POSIXFile.replace(path, contents: Array(render(keys: keys, findings: findings, source: source).utf8))
    }

    private var data: ReportData {
        ReportData(maxRidges: maxRidges, ridgeCells: ridgeCells, maxBandPoints: maxBandPoints)
    }

    private func render(keys: [ReportData.KeyData], findings: [Finding], source: String) -> String {
        let data = data.json(title: title, source: source, keys: keys, findings: findings)
        var page = ""
        page.reserveCapacity(data.utf8.count + Self.style.utf8.count + Self.script.utf8.count + 2048)
        page += Self.head
        page += "<style>\n" + Self.style + "</style>\n</head>\n"
        page += Self.body
        page += "<script type=\"application/json\" id=\"histlog-data\">" + data + "</script>\n"
        page += "<script>\n" + Self.script + "</script>\n</body>\n</html>\n"
        return page
    }

    static let head = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="histlog">
        <title>histlog report</title>

        """

    static let body = """
        <body>
        <header><h1 id="title">histlog report</h1><div id="meta"></div></header>
        <section id="findings" aria-label="Doctor findings"></section>
        <nav id="toolbar">
        <input id="filter" type="search" placeholder="Filter keys: words that must all appear" aria-label="Filter keys" autocomplete="off">
        <label><input id="only-findings" type="checkbox"> only keys with findings</label>
        <span id="shown"></span>
        <span class="legend"><i class="sw b0"></i>min–max <i class="sw b1"></i>10–90% <i class="sw b2"></i>25–75% <i class="sw med"></i>median</span>
        </nav>
        <main id="keys"></main>
        <div id="tip" hidden></div>

        """
}
